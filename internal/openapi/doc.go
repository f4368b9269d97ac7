// Package openapi serves gatehouse's OpenAPI 3.1 document at
// GET /openapi.json: every route of every wire surface (sumtyme's
// /signup, the Ask Sage User and Server APIs, Sunshine Conversations v2
// apps and app keys, the forward-auth gate and health), with request and
// response schemas, the credentials each route accepts, and every error
// status in its surface's envelope. The web console is HTML and is not
// described.
//
// The document is a static file, openapi.json, embedded in the binary:
// hand-written JSON, so that no YAML library and no generator sit between
// the contract and the bytes served. It is kept true by a test rather
// than by generation: TestOpenAPI (internal/httpserver) validates the
// document itself, every recorded golden answer and a live journey over
// each surface against it, and fails when a route of routes.go is missing
// from it. A schema that rejects a real answer is a bug in the schema.
package openapi
