// Package credential generates and recognises the credentials gatehouse
// issues (API keys, access tokens, and the secrets of app and account
// keys) and hashes them for storage. It is a leaf package: it imports only
// the domain root.
//
// Credential format (hard to change later, so written down here):
//
//	API key:      "stai-" + 32 chars base64url(24 random bytes) + 6 chars checksum   (43 chars)
//	access token: "gat_"  + 43 chars base64url(32 random bytes) + 6 chars checksum   (53 chars)
//
// The checksum is base64url(CRC-32/IEEE of prefix+body, big-endian), as in
// GitHub's token format: a typo, a truncated paste or a scanner's random hit
// is recognised with no database read, and secret scanners can match the
// pattern. The "stai-" prefix and 43-character length follow the sumtyme seed
// (its example key is 43 characters of the URL-safe alphabet). Only the
// SHA-256 of a credential is stored: the bodies carry 192 and 256 bits of
// entropy, so a slow KDF would add cost without adding safety.
package credential
