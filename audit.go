package gatehouse

import "time"

// AuditEvent is one row of the audit trail: a security event, written in
// the same transaction as the change it records, so a change that rolls
// back leaves no row and a committed change always has one. It never holds
// a secret: subjects are e-mails, key ids, app ids and dataset names.
type AuditEvent struct {
	ID        int64
	At        time.Time
	Type      AuditType
	Actor     string // who acted: an account's e-mail, "cli" (the operator), or "" (nobody signed in)
	Subject   string // what it was done to: an e-mail, a key id, an app id, a dataset
	Email     string // the account it concerns (the subject's owner), for --email; may be ""
	IP        string
	RequestID string
	Outcome   string // "success", or why it failed
	Detail    string // e.g. the permission granted, the key's name
}

// AuditType names a kind of security event.
type AuditType string

// Audit event types.
const (
	AuditSignup           AuditType = "signup"
	AuditActivate         AuditType = "account.activate"
	AuditDeactivate       AuditType = "account.deactivate"
	AuditCAC              AuditType = "account.cac"
	AuditAccountCreate    AuditType = "account.create" // by the operator (users create)
	AuditTokenExchange    AuditType = "token.exchange"
	AuditTokenCreate      AuditType = "token.create" // from the console
	AuditConsoleLogin     AuditType = "console.login"
	AuditConsoleLogout    AuditType = "console.logout"
	AuditKeyCreate        AuditType = "key.create"
	AuditKeyDelete        AuditType = "key.delete"
	AuditAccountKeyCreate AuditType = "account_key.create"
	AuditAccountKeyDelete AuditType = "account_key.delete"
	AuditAppCreate        AuditType = "app.create"
	AuditAppDelete        AuditType = "app.delete"
	AuditAppKeyCreate     AuditType = "app_key.create"
	AuditAppKeyDelete     AuditType = "app_key.delete"
	AuditShare            AuditType = "dataset.share"
	AuditUnshare          AuditType = "dataset.unshare"
	AuditDatasetDelete    AuditType = "dataset.delete"
)

// AuditTypes lists every type, for validation and documentation.
func AuditTypes() []AuditType {
	return []AuditType{AuditSignup, AuditActivate, AuditDeactivate, AuditCAC, AuditAccountCreate, AuditTokenExchange,
		AuditTokenCreate, AuditConsoleLogin, AuditConsoleLogout, AuditKeyCreate, AuditKeyDelete, AuditAccountKeyCreate,
		AuditAccountKeyDelete, AuditAppCreate, AuditAppDelete, AuditAppKeyCreate, AuditAppKeyDelete, AuditShare,
		AuditUnshare, AuditDatasetDelete}
}

// AuditActorCLI is the actor of the operator's commands.
const AuditActorCLI = "cli"

// AuditFilter selects audit events. Zero fields do not filter.
type AuditFilter struct {
	Email        string // the account concerned or the actor, case-insensitively
	Since, Until time.Time
	Type         AuditType
	Limit        int // 0: no limit
}
