package gatehouse

import (
	"context"
	"time"
)

// Store is a storage backend. Every use case runs its reads and writes in one
// transaction through Update or View; the per-entity stores of a Tx compose
// inside it. Backends hold no business rules (those live in internal/core),
// but core's rules rely on the guarantees written here, which every backend
// gives and the contract suite (internal/store/storetest) checks on each.
//
// Update transactions of one account take turns; those of different
// accounts may run side by side (PostgreSQL runs them so, on every node;
// SQLite runs one Update at a time, which is a special case). The account's
// turn is its row lock: UserStore.LockUser reads the account and holds its
// row until the Update ends, and another Update's LockUser or UpdateUser of
// that account waits for it. Each statement sees every write committed
// before it starts, so after LockUser fn sees what the account's previous
// Update committed, and no other Update of the account writes until fn's
// commits. So a rule that locks the account, then reads, decides and
// writes, holds exactly however many requests and nodes race it: "count the
// keys, add one if under the limit" (API keys, app keys (apps belong to an
// account), account keys, chat quotas), "the account is still active, so
// create its key" (a deactivation, whose UpdateUser waits, then deletes the
// keys, leaves no live key behind). Without the lock, only constraints
// hold: uniqueness (ECONFLICT), references, and "delete the row, then log
// its revocation" (of racing deletes one succeeds, the others get
// ENOTFOUND). An Update may instead share the account's turn
// (KeyStore.LockKeyAndOwner, the token exchange's read): shared turns run
// beside each other, and a LockUser or UpdateUser of the account waits for
// them, as they wait for it. Core locks at most one account per Update, so
// turns form no cycle. fn runs once per call (not at all when the transaction cannot
// begin), never again on a conflict, so it may keep what it learns (the
// failed-exchange throttle counts inside fn); it must not wait for another
// Update. The revocation log stays in commit order however Updates
// interleave (RevocationStore).
//
// View transactions are read-only and read one snapshot, taken at their
// first read: fn sees the writes committed before that and none committed
// while it runs. Views run beside each other and beside an Update and do not
// wait for it. A write in a View fails.
//
// Update and View return fn's error as it was (errors.Is and errors.As see
// it) after rolling back; when fn returns nil, Update commits. A panic in fn
// rolls back and goes on up. fn must return an error a Tx method gave it
// rather than carry on: PostgreSQL aborts the transaction on a failed
// statement, and Update then fails instead of committing.
//
// Appended rows. CreateToken, CreateLogin, CreateLoginAttempt and
// CreateAuditEvent append a row nothing in the transaction needs an answer
// from, so a backend may hold it back and send it with the transaction's
// next statement or with the commit (PostgreSQL does: one round trip for
// all, internal/store/postgres/pipeline.go). Their error, if any, may then
// come from that next method or from Update itself, and the id they set is
// set by the time Update returns. Either way it is an error of the
// transaction, which then commits nothing.
//
// Errors. The methods of a Tx, Update and View return:
//   - ENOTFOUND when a row the method names does not exist (as each method
//     says);
//   - ECONFLICT when a write would break a uniqueness rule or refer to a row
//     that does not exist;
//   - EUNAVAILABLE when the database is busy (the writer's turn did not come
//     within the backend's busy or lock timeout), unreachable, restarting,
//     out of space, or closed: nothing was committed, and the request may be
//     tried again later;
//   - anything else is a fault (EINTERNAL to a client).
//
// Errors that come from the driver keep it wrapped under the gatehouse.Error
// (for logs and errors.Is), never in its client-safe text.
//
// Lists. A method that finds rows returns an empty, non-nil slice when none
// match, except FindUsers and FindRevocationsAfter, which return nil; a
// method that deletes rows and returns their ids returns nil when it deleted
// none.
type Store interface {
	// Update runs fn in one read-write transaction, taking turns with the
	// other Updates of an account it locks (see above), committed when fn returns nil and rolled
	// back otherwise.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction over one snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Read runs fn to read, without a transaction where the backend can:
	// each statement may read what was committed when it ran, so fn must
	// need no one snapshot across its statements (a lookup of one row,
	// then of the row it names, where a change in between is the same as
	// one just before or after). A write in fn fails. fn may run more than
	// once (after a dead pooled connection). On PostgreSQL it saves BEGIN
	// and COMMIT, two round trips of three for a one-statement read; on
	// SQLite it saves their two statements (each statement takes a read
	// transaction of its own).
	Read(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the database answers; EUNAVAILABLE when not.
	Ping(ctx context.Context) error
	// Close releases the database. It may be called more than once; after
	// it, Update, View and Ping return EUNAVAILABLE.
	Close() error
}

// Tx gives the per-entity stores bound to one transaction.
type Tx interface {
	Users() UserStore
	Keys() KeyStore
	Tokens() TokenStore
	Logins() LoginStore
	Revocations() RevocationStore
	Datasets() DatasetStore
	Chats() ChatStore
	PromptLogs() PromptLogStore
	Apps() AppStore
	AppKeys() AppKeyStore
	AccountKeys() AccountKeyStore
	Settings() SettingStore
	Sessions() SessionStore
	Audit() AuditStore
}

// UserFilter selects accounts. Zero fields do not filter.
type UserFilter struct {
	Status UserStatus
	Limit  int // 0 means no limit
}

// UserUpdate changes an account. Nil fields are left alone.
type UserUpdate struct {
	Status       *UserStatus
	Admin        *bool
	CAC          *bool
	PasswordHash *string
	UpdatedAt    time.Time
}

// UserStore persists accounts.
type UserStore interface {
	// CreateUser inserts u and sets u.ID. Returns ECONFLICT when the e-mail
	// (case-insensitive) is taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns ENOTFOUND when there is no such account.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// LockUser is FindUserByID that also makes the account's row this
	// Update's until it ends: another Update's LockUser, or its UpdateUser,
	// of the same account waits for it (see Store: it is how core keeps a
	// rule about one account exact). ENOTFOUND when there is no such
	// account. A View cannot lock: it fails there.
	LockUser(ctx context.Context, id int64) (*User, error)
	// FindUserByEmail matches case-insensitively; returns ENOTFOUND.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// FindUsers lists accounts in id order; nil when none match.
	FindUsers(ctx context.Context, f UserFilter) ([]*User, error)
	// UpdateUser applies upd and returns the new row; returns ENOTFOUND.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
}

// KeyStore persists API keys.
type KeyStore interface {
	// CreateKey inserts k and sets k.ID. Returns ECONFLICT on a hash collision.
	CreateKey(ctx context.Context, k *APIKey) error
	// FindKeyByHash returns ENOTFOUND when no key has that hash.
	FindKeyByHash(ctx context.Context, h Hash) (*APIKey, error)
	// FindKeyAndOwner is FindKeyByHash and the key's account, in one
	// statement (a verification's one read); ENOTFOUND when no key has
	// that hash.
	FindKeyAndOwner(ctx context.Context, h Hash) (*APIKey, *User, error)
	// LockKeyAndOwner is FindKeyAndOwner for an Update that acts on the
	// key (a token exchange): it holds the key and shares the account's
	// turn (see Store) until the Update ends. A delete of the key or a
	// change of the account already under way commits first and is seen
	// (ENOTFOUND for a deleted key, the new status of a disabled account);
	// one that starts later waits for this Update. Several Updates may
	// hold one account so side by side; LockUser and UpdateUser of it wait
	// for them. A View cannot lock: it fails there.
	LockKeyAndOwner(ctx context.Context, h Hash) (*APIKey, *User, error)
	// FindKeysByUser lists a user's keys in id order.
	FindKeysByUser(ctx context.Context, userID int64) ([]*APIKey, error)
	// CountKeysByUser counts a user's keys.
	CountKeysByUser(ctx context.Context, userID int64) (int, error)
	// DeleteKey deletes key id of userID and every token made from it.
	// Returns ENOTFOUND when the key does not exist or is another user's.
	DeleteKey(ctx context.Context, userID, id int64) error
	// DeleteKeysByUser deletes all of a user's keys (and their tokens) and
	// returns their ids.
	DeleteKeysByUser(ctx context.Context, userID int64) ([]int64, error)
	// TouchKeys records last-used times, ignoring keys that no longer exist
	// and never moving a time backwards.
	TouchKeys(ctx context.Context, used map[int64]time.Time) error
}

// TokenStore persists access tokens.
type TokenStore interface {
	// CreateToken inserts t (an appended row, see Store). Returns
	// ECONFLICT on a hash collision.
	CreateToken(ctx context.Context, t *AccessToken) error
	// FindTokenByHash returns ENOTFOUND when no token has that hash.
	FindTokenByHash(ctx context.Context, h Hash) (*AccessToken, error)
	// FindTokenAndOwner is FindTokenByHash and the token's account, in one
	// statement; ENOTFOUND when no token has that hash.
	FindTokenAndOwner(ctx context.Context, h Hash) (*AccessToken, *User, error)
	// DeleteTokensByUser deletes every token of a user.
	DeleteTokensByUser(ctx context.Context, userID int64) error
	// DeleteExpiredTokens deletes tokens that expired before t.
	DeleteExpiredTokens(ctx context.Context, t time.Time) (int64, error)
}

// LoginStore persists login history.
type LoginStore interface {
	// CreateLogin inserts l and sets l.ID (an appended row, see Store).
	CreateLogin(ctx context.Context, l *Login) error
	// FindLoginsByUser returns a user's newest logins first, at most limit.
	FindLoginsByUser(ctx context.Context, userID int64, limit int) ([]*Login, error)
	// CreateLoginAttempt inserts a failed sign-in that names no account and
	// sets a.ID (an appended row, see Store).
	CreateLoginAttempt(ctx context.Context, a *LoginAttempt) error
	// FindLoginAttempts returns the newest attempts first, at most limit.
	FindLoginAttempts(ctx context.Context, limit int) ([]*LoginAttempt, error)
	// DeleteLoginAttemptsBefore deletes the attempts made before t.
	DeleteLoginAttemptsBefore(ctx context.Context, t time.Time) error
}

// RevocationKind names what a revocation event revokes.
type RevocationKind string

// Revocation kinds.
const (
	RevokeKey        RevocationKind = "key"         // an API key and every token made from it (SubjectID)
	RevokeUser       RevocationKind = "user"        // every credential of an account (SubjectID)
	RevokeApp        RevocationKind = "app"         // an app and its keys (Subject: app id)
	RevokeAppKey     RevocationKind = "app_key"     // one app key (Subject: app_ id)
	RevokeAccountKey RevocationKind = "account_key" // one account key (Subject: act_ id)
)

// Revocation is an event in the revocation log. Every node (and every admin
// command) that revokes something appends one in the same transaction as the
// change; every node tails the log to drop what it has cached. This is what
// makes a revocation reach all nodes, and servers sharing a data directory
// with an admin command, within a second.
type Revocation struct {
	Seq int64
	// Tx orders the log by commit: a reader tails the log in (Tx, Seq)
	// order (see RevocationStore). PostgreSQL sets it to the writing
	// transaction's id, shared by all its events; SQLite, with one writer at
	// a time, to Seq.
	Tx        int64
	Kind      RevocationKind
	SubjectID int64  // numeric subjects (key, user)
	Subject   string // string subjects (app, app_key, account_key)
	At        time.Time
}

// RevocationPos is a place in the revocation log, in (Tx, Seq) order.
type RevocationPos struct{ Tx, Seq int64 }

// Pos returns r's place in the log.
func (r Revocation) Pos() RevocationPos { return RevocationPos{r.Tx, r.Seq} }

// RevocationNotifier is a store that can wake the revocation feed as soon
// as a revocation commits on any node (PostgreSQL's LISTEN/NOTIFY); the
// feed then reads the log at once instead of at its next poll. A notice
// carries nothing: the log is still what the feed applies.
type RevocationNotifier interface {
	// RevocationNotices returns a channel that receives a value after a
	// revocation commits (and after a reconnect), until ctx ends.
	RevocationNotices(ctx context.Context) <-chan struct{}
}

// RevocationStore persists the revocation log.
//
// Appenders do not take turns (on PostgreSQL, revoking transactions on
// every node commit side by side), so neither Seq nor Tx becomes visible in
// order: a transaction may commit after one with a higher Tx and Seq. A
// reader therefore never trusts "I have read up to here" but the log's
// horizon: every event with Tx below the horizon has committed (or never
// will), so once a reader has read all events with Tx >= its old horizon
// in a read that also returned a new horizon h, nothing with Tx < h can
// still appear. It starts its next read at Tx >= h, re-reading the events
// of transactions at or above h that it has already applied; applying an
// event twice is harmless. The horizon waits for the oldest transaction in
// flight: on PostgreSQL any transaction that has written (on any database
// of the server) holds it back while it runs, and the reader re-reads what
// committed since meanwhile.
type RevocationStore interface {
	// CreateRevocation appends r and sets r.Seq and r.Tx.
	CreateRevocation(ctx context.Context, r *Revocation) error
	// FindRevocationsAfter returns events after pos in (Tx, Seq) order, at
	// most limit (none for 0, all for a negative limit), nil when there are
	// none, and the log's horizon as of the same read: every event with
	// Tx < horizon is committed, so it is among those returned or at or
	// before pos.
	FindRevocationsAfter(ctx context.Context, after RevocationPos, limit int) (events []Revocation, horizon int64, err error)
	// RevocationHorizon returns the log's horizon alone: a reader that
	// starts at RevocationPos{Tx: horizon} sees every event that commits
	// after the call.
	RevocationHorizon(ctx context.Context) (int64, error)
	// DeleteRevocationsBefore prunes events older than t.
	DeleteRevocationsBefore(ctx context.Context, t time.Time) error
}

// DatasetStore persists datasets and their shares.
type DatasetStore interface {
	// CreateDataset inserts d and sets d.ID. Returns ECONFLICT when the owner
	// already has a dataset of that name.
	CreateDataset(ctx context.Context, d *Dataset) error
	// FindDatasetByOwnerName returns ENOTFOUND when there is none.
	FindDatasetByOwnerName(ctx context.Context, ownerID int64, name string) (*Dataset, error)
	// FindDatasetsForUser lists the user's own datasets (PermOwner) and those
	// shared with them (with the share's permission), in one query, ordered
	// by dataset id.
	FindDatasetsForUser(ctx context.Context, userID int64) ([]DatasetAccess, error)
	// DeleteDataset deletes a dataset and all its shares; ENOTFOUND.
	DeleteDataset(ctx context.Context, id int64) error
	// UpsertShare grants or changes a share.
	UpsertShare(ctx context.Context, sh *Share) error
	// FindShare returns ENOTFOUND when the user has no share.
	FindShare(ctx context.Context, datasetID, userID int64) (*Share, error)
	// DeleteShare removes a share; ENOTFOUND when there is none.
	DeleteShare(ctx context.Context, datasetID, userID int64) error
	// FindSharesByDataset lists a dataset's shares with their accounts'
	// e-mails, in user id order.
	FindSharesByDataset(ctx context.Context, datasetID int64) ([]ShareHolder, error)
}

// ChatStore persists chat sessions and their messages, and what each
// account's sessions add up to (ChatUsage).
type ChatStore interface {
	// CreateChat inserts c (its ID and Size are set by the caller) and adds
	// c.Size to the account's usage; ECONFLICT on a repeated id.
	CreateChat(ctx context.Context, c *ChatSession) error
	// FindChatByID returns ENOTFOUND when there is none.
	FindChatByID(ctx context.Context, id string) (*ChatSession, error)
	// FindChatIDsByUser lists the ids of a user's sessions, most recently
	// updated first (then most recently created, then by id).
	FindChatIDsByUser(ctx context.Context, userID int64) ([]string, error)
	// FindChatsByIDs returns those of the sessions ids that exist and are
	// userID's, in no particular order.
	FindChatsByIDs(ctx context.Context, userID int64, ids []string) ([]*ChatSession, error)
	// FindChatMessages returns a session's messages in order.
	FindChatMessages(ctx context.Context, sessionID string) ([]*ChatMessage, error)
	// FindChatMessagesPage returns one page of the messages of a set of
	// sessions, in ID order (see ChatMessagePage).
	FindChatMessagesPage(ctx context.Context, page ChatMessagePage) ([]*ChatMessage, error)
	// LatestChatMessageID returns the highest message ID there is, or 0:
	// messages appended later have higher IDs.
	LatestChatMessageID(ctx context.Context) (int64, error)
	// AppendChatMessages adds messages to a session, sets their IDs, sets
	// the session's UpdatedAt to at, and adds the messages' Size to the
	// session's Size and to the account's usage; ENOTFOUND when there is
	// no such session.
	AppendChatMessages(ctx context.Context, sessionID string, msgs []*ChatMessage, at time.Time) error
	// ChatUsage returns the sum of the Size of userID's sessions (0 when
	// there are none), without reading them.
	ChatUsage(ctx context.Context, userID int64) (int64, error)
	// DeleteChat deletes userID's session id and its messages, taking its
	// Size off the account's usage; ENOTFOUND when it does not exist or is
	// another user's.
	DeleteChat(ctx context.Context, userID int64, id string) error
}

// ChatMessagePage selects the messages of SessionIDs with After < ID <=
// UpTo. A page holds the first of them in ID order: as many as fit in
// MaxSize (the sum of their Size) and at most MaxRows, but always at least
// one while any remain. An empty page means there are no more.
type ChatMessagePage struct {
	SessionIDs []string
	After      int64
	UpTo       int64
	MaxSize    int64
	MaxRows    int
}

// PromptLogStore persists the prompt log.
type PromptLogStore interface {
	// CreatePromptLog inserts l and sets l.ID.
	CreatePromptLog(ctx context.Context, l *PromptLog) error
	// FindPromptLogsByUser returns a user's rows with an ID below beforeID
	// (every row when beforeID is 0), newest first, at most limit: a page
	// of the log, the next page starting before the last row of this one.
	FindPromptLogsByUser(ctx context.Context, userID, beforeID int64, limit int) ([]*PromptLog, error)
}

// AppStore persists apps.
type AppStore interface {
	// CreateApp inserts a; ECONFLICT on a repeated id.
	CreateApp(ctx context.Context, a *App) error
	// FindAppByID returns ENOTFOUND when there is none.
	FindAppByID(ctx context.Context, id string) (*App, error)
	// FindAppsByAccount returns a page of the account's apps in id order and
	// whether more exist beyond it in the paging direction.
	FindAppsByAccount(ctx context.Context, accountID int64, page AppPage) (apps []*App, more bool, err error)
	// HasAppsBeyond reports whether the account has an app with an id
	// below (before=true) or above the given id.
	HasAppsBeyond(ctx context.Context, accountID int64, id string, before bool) (bool, error)
	// UpdateApp writes a's display name, settings, metadata and UpdatedAt;
	// ENOTFOUND.
	UpdateApp(ctx context.Context, a *App) error
	// DeleteApp deletes the app and its keys, returning the deleted key
	// ids; ENOTFOUND.
	DeleteApp(ctx context.Context, id string) ([]string, error)
}

// AppKeyStore persists app keys.
type AppKeyStore interface {
	// CreateAppKey inserts k; ECONFLICT on a repeated id.
	CreateAppKey(ctx context.Context, k *AppKey) error
	// FindAppKeyByID returns ENOTFOUND when there is none.
	FindAppKeyByID(ctx context.Context, id string) (*AppKey, error)
	// FindAppKeysByApp lists an app's keys in creation order.
	FindAppKeysByApp(ctx context.Context, appID string) ([]*AppKey, error)
	// CountAppKeysByApp counts an app's keys.
	CountAppKeysByApp(ctx context.Context, appID string) (int, error)
	// DeleteAppKey deletes key id of app appID; ENOTFOUND.
	DeleteAppKey(ctx context.Context, appID, id string) error
	// DeleteAppKeysByAccount deletes every key of every app of an account
	// and returns their ids.
	DeleteAppKeysByAccount(ctx context.Context, accountID int64) ([]string, error)
}

// AccountKeyStore persists account keys.
type AccountKeyStore interface {
	// CreateAccountKey inserts k; ECONFLICT on a repeated id.
	CreateAccountKey(ctx context.Context, k *AccountKey) error
	// FindAccountKeyByID returns ENOTFOUND when there is none.
	FindAccountKeyByID(ctx context.Context, id string) (*AccountKey, error)
	// FindAccountKeysByUser lists a user's account keys in creation order.
	FindAccountKeysByUser(ctx context.Context, userID int64) ([]*AccountKey, error)
	// DeleteAccountKey deletes userID's key id; ENOTFOUND.
	DeleteAccountKey(ctx context.Context, userID int64, id string) error
	// DeleteAccountKeysByUser deletes all of a user's account keys and
	// returns their ids.
	DeleteAccountKeysByUser(ctx context.Context, userID int64) ([]string, error)
}

// SettingStore persists small named values the server itself keeps (for
// now the master key's fingerprint).
type SettingStore interface {
	// FindSetting returns ENOTFOUND when there is none.
	FindSetting(ctx context.Context, name string) ([]byte, error)
	// CreateSetting stores a new value; ECONFLICT when name exists.
	CreateSetting(ctx context.Context, name string, value []byte) error
}

// SessionStore persists web console sessions (by the hash of their token).
type SessionStore interface {
	// CreateSession inserts s. ECONFLICT on a hash collision or when the
	// user does not exist.
	CreateSession(ctx context.Context, s *ConsoleSession) error
	// FindSessionByHash returns ENOTFOUND when there is none.
	FindSessionByHash(ctx context.Context, h Hash) (*ConsoleSession, error)
	// TouchSession sets the session's SeenAt to at, never moving it
	// backwards; a session that no longer exists is ignored.
	TouchSession(ctx context.Context, h Hash, at time.Time) error
	// DeleteSession deletes one session; ENOTFOUND when there is none.
	DeleteSession(ctx context.Context, h Hash) error
	// DeleteSessionsByUser deletes every session of a user.
	DeleteSessionsByUser(ctx context.Context, userID int64) error
	// DeleteExpiredSessions deletes the sessions that expired before t or
	// were last seen before idleBefore, and returns how many.
	DeleteExpiredSessions(ctx context.Context, t, idleBefore time.Time) (int64, error)
}

// PoolStats is a store's connection pool, for metrics.
type PoolStats struct {
	InUse, Idle, Max int
	WaitCount        int64         // connection requests that had to wait
	WaitDuration     time.Duration // the total time they waited
}

// PoolStatser is a store that reports its pool.
type PoolStatser interface {
	PoolStats() PoolStats
}

// AuditStore persists the audit trail.
type AuditStore interface {
	// CreateAuditEvent appends e and sets e.ID (an appended row, see Store).
	CreateAuditEvent(ctx context.Context, e *AuditEvent) error
	// FindAuditEvents returns the events f selects, oldest first. Email
	// matches the event's Email or Actor, case-insensitively.
	FindAuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	// DeleteAuditEventsBefore deletes the events older than t and returns
	// how many.
	DeleteAuditEventsBefore(ctx context.Context, t time.Time) (int64, error)
}
