package sumtyme

// signupRequest is POST /signup. company_id is optional (sumtyme's API
// reference lists it; the seed's example does not send it).
type signupRequest struct {
	Email           string `json:"email"`
	Password        string `json:"password"`
	ConfirmPassword string `json:"confirm_password"`
	CompanyID       string `json:"company_id"`
}

// signupResponse is the seed's success shape.
type signupResponse struct {
	Message string `json:"message"`
	Email   string `json:"email"`
	APIKey  string `json:"api_key"`
}

// errorResponse is this dialect's error envelope.
type errorResponse struct {
	Detail string `json:"detail"`
}

// Body limit for /signup.
const bodyLimit = 64 << 10

const (
	msgCreated = "Your API key has been generated. This is the only time you will see it. " +
		"Please copy it now and store it in a secure place (e.g., a password manager, an environment variable)."
	msgPending = " Your account is pending activation by the administrator; the key works once it is active."
)
