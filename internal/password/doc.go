// Package password hashes account passwords with argon2id into PHC strings
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash). It is a leaf package: it
// imports nothing of gatehouse.
package password
