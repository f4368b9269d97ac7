package postgres

// MapErr is mapErr, for tests that need a server to make the driver error.
var MapErr = mapErr
