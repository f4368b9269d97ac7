package storetest

import (
	"testing"

	"github.com/gatehouse/gatehouse"
)

func testSettings(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateFind", func(t *testing.T, s gatehouse.Store) {
			value := []byte{0, 1, 2, 0xff, 'x'}
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Settings().CreateSetting(t.Context(), "a", value) })
			mustView(t, s, func(tx gatehouse.Tx) error {
				got, err := tx.Settings().FindSetting(t.Context(), "a")
				if err != nil {
					return err
				}
				wantEqual(t, "value", got, value)
				return nil
			})
		}},
		{"Missing", func(t *testing.T, s gatehouse.Store) {
			err := s.View(t.Context(), func(tx gatehouse.Tx) error {
				_, err := tx.Settings().FindSetting(t.Context(), "nope")
				return err
			})
			wantCode(t, "FindSetting of a missing name", err, gatehouse.ENOTFOUND)
		}},
		{"Duplicate", func(t *testing.T, s gatehouse.Store) {
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Settings().CreateSetting(t.Context(), "a", []byte("1")) })
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Settings().CreateSetting(t.Context(), "a", []byte("2")) })
			wantCode(t, "CreateSetting of an existing name", err, gatehouse.ECONFLICT)
			mustView(t, s, func(tx gatehouse.Tx) error {
				got, err := tx.Settings().FindSetting(t.Context(), "a")
				if err != nil {
					return err
				}
				wantEqual(t, "value after a refused overwrite", got, []byte("1"))
				return nil
			})
		}},
	})
}
