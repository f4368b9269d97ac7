package gate

// errorBody is the body of every refusal.
type errorBody struct {
	Error string `json:"error"`
}

// The identity headers of a 200. Each is absent when it does not apply,
// never empty, and never carries a secret or a token.
const (
	HeaderUser       = "X-Gatehouse-User"       // the account id, decimal
	HeaderEmail      = "X-Gatehouse-Email"      // the account's e-mail
	HeaderCredential = "X-Gatehouse-Credential" // api_key, access_token, app_key or account_key
	HeaderKey        = "X-Gatehouse-Key"        // the API key's id (decimal), or the app_/act_ key id
	HeaderApp        = "X-Gatehouse-App"        // the app id, for an app key
	HeaderScope      = "X-Gatehouse-Scope"      // user, app or account
	HeaderCac        = "X-Gatehouse-Cac"        // true or false, for an API key or an access token
)
