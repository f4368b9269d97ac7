package gatehouse

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// UserStatus is the life-cycle state of an account.
type UserStatus string

// Account states. Sign-ups start pending; only active accounts may use their
// credentials; a disabled account has had everything it held revoked.
const (
	UserPending  UserStatus = "pending"
	UserActive   UserStatus = "active"
	UserDisabled UserStatus = "disabled"
)

// Valid reports whether s is one of the known states.
func (s UserStatus) Valid() bool {
	return s == UserPending || s == UserActive || s == UserDisabled
}

// User is an account.
type User struct {
	ID           int64
	Email        string // as given at sign-up; uniqueness is case-insensitive
	PasswordHash string // PHC string (argon2id); never leaves the server
	Status       UserStatus
	Admin        bool
	CAC          bool // the operator has marked the account CAC-verified
	CompanyID    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Password length bounds (docs/security.md 5): no composition rules, no truncation.
const (
	PasswordMinLen = 8
	PasswordMaxLen = 256
	EmailMaxLen    = 254
)

// NormalizeEmail returns the form used for uniqueness and lookups.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ValidateEmail checks the syntax of an e-mail address: a bare addr-spec with
// a dotted domain, no display name, no more than 254 bytes.
func ValidateEmail(email string) error {
	if email == "" {
		return Err(ReasonEmailRequired)
	}
	if len(email) > EmailMaxLen || !utf8.ValidString(email) {
		return Err(ReasonEmailInvalid)
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return Err(ReasonEmailInvalid)
	}
	at := strings.LastIndexByte(email, '@')
	domain := email[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return Err(ReasonEmailInvalid)
	}
	return nil
}

// ValidatePassword checks the length rules for a new password, counted in
// characters.
func ValidatePassword(pw string) error {
	if !utf8.ValidString(pw) {
		return Err(ReasonPasswordNotUTF8)
	}
	n := utf8.RuneCountInString(pw)
	if n < PasswordMinLen {
		return Err(ReasonPasswordTooShort).WithLimit(PasswordMinLen)
	}
	if n > PasswordMaxLen {
		return Err(ReasonPasswordTooLong).WithLimit(PasswordMaxLen)
	}
	return nil
}

// Validate checks the fields a store relies on.
func (u *User) Validate() error {
	if err := ValidateEmail(u.Email); err != nil {
		return err
	}
	if u.PasswordHash == "" {
		return Err(ReasonPasswordHashRequired)
	}
	if !u.Status.Valid() {
		return Err(ReasonUnknownStatus)
	}
	if len(u.CompanyID) > 200 {
		return Err(ReasonCompanyIDTooLong)
	}
	return nil
}
