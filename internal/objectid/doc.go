// Package objectid makes and recognises ids built like MongoDB ObjectIds,
// as Sunshine's app ids are: 24 lowercase hex characters. App ids are
// ObjectIds, and app and account key ids are a prefix ("app_", "act_") and
// an ObjectId. Ids are not secrets. It is a leaf package: it imports
// nothing of gatehouse.
package objectid
