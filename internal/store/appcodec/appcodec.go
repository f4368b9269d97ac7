// Package appcodec is how both stores keep an app's two JSON columns, so
// that the SQLite and the PostgreSQL store read and write the same
// documents: settings (gatehouse.AppSettings under the store's own names,
// which no wire dictates) and metadata (the client's object, numbers kept
// as written).
package appcodec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/gatehouse/gatehouse"
)

// settingsDoc is gatehouse.AppSettings as stored: a JSON object, so adding
// a setting needs no migration (a key left out, or null, reads as the zero
// value). A nil retention is left out. Migration 0008 renamed the keys from
// the Sunshine wire's camelCase to these.
type settingsDoc struct {
	ConversationRetentionSeconds *int64 `json:"conversation_retention_seconds,omitempty"`
	MaskCreditCardNumbers        bool   `json:"mask_credit_card_numbers"`
	UseAnimalNames               bool   `json:"use_animal_names"`
	EchoPostback                 bool   `json:"echo_postback"`
	IgnoreAutoConversationStart  bool   `json:"ignore_auto_conversation_start"`
	MultiConvoEnabled            bool   `json:"multi_convo_enabled"`
	AppLocalizationEnabled       bool   `json:"app_localization_enabled"`
}

// Encode returns the settings and metadata documents of a. Nil metadata is
// a nil document (the column's NULL), so that nil and {} stay apart.
func Encode(a *gatehouse.App) (settings, metadata []byte, err error) {
	if settings, err = json.Marshal(settingsDoc(a.Settings)); err != nil {
		return nil, nil, fmt.Errorf("appcodec: settings of app %s: %w", a.ID, err)
	}
	if a.Metadata != nil {
		if metadata, err = json.Marshal(a.Metadata); err != nil {
			return nil, nil, fmt.Errorf("appcodec: metadata of app %s: %w", a.ID, err)
		}
	}
	return settings, metadata, nil
}

// Decode sets a's Settings and Metadata from their documents, a nil
// metadata document (NULL) as nil metadata. Metadata numbers come back as
// json.Number with the digits the client sent. A settings document that is
// not one JSON object of known keys with values of their types is an error
// that names the app: it is not read as defaults (a document under the old
// camelCase names would otherwise turn card masking off unseen).
func Decode(a *gatehouse.App, settings, metadata []byte) error {
	s, err := decodeSettings(settings)
	if err != nil {
		return fmt.Errorf("appcodec: stored settings of app %s: %w", a.ID, err)
	}
	a.Settings = s
	a.Metadata = nil
	if metadata == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(metadata))
	dec.UseNumber()
	if err := dec.Decode(&a.Metadata); err != nil {
		return fmt.Errorf("appcodec: stored metadata of app %s: %w", a.ID, err)
	}
	return nil
}

var (
	errNotObject = errors.New("not a JSON object")
	errTrailing  = errors.New("data after the object")
)

// settingsMemo remembers the settings of documents already decoded: every
// read of an app decodes its settings, and most apps store one of a few
// documents (the defaults, card masking on), so the decoder ran, allocating,
// on every GET /v2/apps/{id} for a handful of distinct inputs (8% of that
// request's CPU, pprof). Decoding is a pure function of the bytes, so a
// remembered answer is the decoder's own. At memoMax documents it starts
// over, so it holds at most that many small strings.
var settingsMemo struct {
	sync.Mutex
	m map[string]gatehouse.AppSettings
}

const memoMax = 1024

func decodeSettings(doc []byte) (gatehouse.AppSettings, error) {
	settingsMemo.Lock()
	s, ok := settingsMemo.m[string(doc)]
	settingsMemo.Unlock()
	if ok {
		return own(s), nil
	}
	s, err := decodeSettingsDoc(doc)
	if err != nil || len(doc) > 4096 {
		return s, err
	}
	settingsMemo.Lock()
	if settingsMemo.m == nil || len(settingsMemo.m) >= memoMax {
		settingsMemo.m = make(map[string]gatehouse.AppSettings)
	}
	settingsMemo.m[string(doc)] = own(s)
	settingsMemo.Unlock()
	return s, nil
}

// own is s with a retention of its own, so that no two apps, nor an app
// and the memo, share one.
func own(s gatehouse.AppSettings) gatehouse.AppSettings {
	if s.ConversationRetentionSeconds != nil {
		s.ConversationRetentionSeconds = new(*s.ConversationRetentionSeconds)
	}
	return s
}

func decodeSettingsDoc(doc []byte) (gatehouse.AppSettings, error) {
	if t := bytes.TrimLeft(doc, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return gatehouse.AppSettings{}, errNotObject
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var s settingsDoc
	if err := dec.Decode(&s); err != nil {
		return gatehouse.AppSettings{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return gatehouse.AppSettings{}, errTrailing
	}
	return gatehouse.AppSettings(s), nil
}
