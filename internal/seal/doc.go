// Package seal keeps app and account key secrets at rest: AES-256-GCM under
// the master key (Box), and the master key itself (parsed from
// GATEHOUSE_MASTER_KEY, or loaded from or created in the data directory's
// key file). These secrets cannot be stored as hashes only, since they must
// verify HMAC-signed JWTs. It is a leaf package: it imports nothing of
// gatehouse.
package seal
