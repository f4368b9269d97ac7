// Package sunshine serves the Sunshine Conversations v2 apps and app-keys
// API (/v2/apps...): its wire types, its {"errors":[{"code","title"}]}
// envelope, and its credentials (Basic key id:secret, or a Bearer HS256 JWT
// signed with a key's secret), so the official clients work unchanged.
//
// Choices where the sources are silent (docs/spec/sunshine.md §7): a valid key
// without the right gets 403 forbidden; bad credentials of every kind get
// the same 401; an app key naming any other app gets 403, an account key
// naming another account's app gets 404 app_not_found; a missing key of a
// known app is 404 not_found on GET and DELETE; the 11th key of an app is
// 400 bad_request; apps list in id order (creation time); metadata merges
// on PATCH with null removing a key, and "metadata": null clearing it.
package sunshine
