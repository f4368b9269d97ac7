package core

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"

	"github.com/gatehouse/gatehouse"
)

// masterKeySetting names the stored fingerprint of the master key.
const masterKeySetting = "master_key_check_v1"

// errWrongMasterKey is returned when this process's master key is not the
// one the database's secrets were sealed with.
var errWrongMasterKey = gatehouse.Err(gatehouse.ReasonMasterKeyMismatch)

// CheckMasterKey compares the master key with the fingerprint the database
// keeps (HMAC-SHA-256 of a fixed label under the key; it reveals nothing of
// the key), recording it on first use. Two nodes with different keys would
// each refuse the other's app and account keys; this turns that into a
// start-up error instead.
func (s *Service) CheckMasterKey(ctx context.Context) error {
	mac := hmac.New(sha256.New, s.opt.MasterKey)
	mac.Write([]byte("gatehouse master key check v1"))
	want := mac.Sum(nil)
	check := func(tx gatehouse.Tx) (bool, error) {
		got, err := tx.Settings().FindSetting(ctx, masterKeySetting)
		if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !hmac.Equal(got, want) {
			return true, errWrongMasterKey
		}
		return true, nil
	}
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		found, err := check(tx)
		if found || err != nil {
			return err
		}
		return tx.Settings().CreateSetting(ctx, masterKeySetting, want)
	})
	if gatehouse.ErrorCode(err) == gatehouse.ECONFLICT { // another process recorded it first
		return s.store.View(ctx, func(tx gatehouse.Tx) error { _, err := check(tx); return err })
	}
	return err
}
