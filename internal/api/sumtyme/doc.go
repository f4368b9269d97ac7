// Package sumtyme serves the sumtyme sign-up dialect: POST /signup.
//
// The sumtyme documentation is silent on errors. gatehouse answers them the
// way FastAPI-style services do, with the HTTP status and a body
// {"detail": "<message>"}: 400 invalid input (bad e-mail, short password,
// passwords that differ, malformed JSON, wrong types), 409 e-mail taken,
// 405 wrong method, 413 body too large, 429 rate limited, 503 busy
// (with Retry-After).
package sumtyme
