// Package appjwt verifies the HS256 JWTs that Sunshine clients sign with an
// app or account key's secret (the Bearer credential of /v2). A token is
// decoded strictly, so that it has exactly one spelling, before the caller
// is asked for the key's secret: a malformed token costs no database read.
// It is a leaf package: it imports nothing of gatehouse.
package appjwt
