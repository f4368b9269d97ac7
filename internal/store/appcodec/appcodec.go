// Package appcodec is how both stores keep an app's two JSON columns, so
// that the SQLite and the PostgreSQL store read and write the same
// documents: settings (gatehouse.AppSettings in the store's own shape) and
// metadata (the client's object, numbers kept as written).
package appcodec

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/gatehouse/gatehouse"
)

// settingsDoc is gatehouse.AppSettings as stored: a JSON document, so
// adding a setting needs no migration (a key left out reads as the zero
// value). A nil retention is left out.
type settingsDoc struct {
	ConversationRetentionSeconds *int64 `json:"conversationRetentionSeconds,omitempty"`
	MaskCreditCardNumbers        bool   `json:"maskCreditCardNumbers"`
	UseAnimalNames               bool   `json:"useAnimalNames"`
	EchoPostback                 bool   `json:"echoPostback"`
	IgnoreAutoConversationStart  bool   `json:"ignoreAutoConversationStart"`
	MultiConvoEnabled            bool   `json:"multiConvoEnabled"`
	AppLocalizationEnabled       bool   `json:"appLocalizationEnabled"`
}

// Encode returns the settings and metadata documents of a. Nil metadata is
// a nil document (the column's NULL), so that nil and {} stay apart.
func Encode(a *gatehouse.App) (settings, metadata []byte, err error) {
	if settings, err = json.Marshal(settingsDoc(a.Settings)); err != nil {
		return nil, nil, fmt.Errorf("appcodec: app settings: %w", err)
	}
	if a.Metadata != nil {
		if metadata, err = json.Marshal(a.Metadata); err != nil {
			return nil, nil, fmt.Errorf("appcodec: app metadata: %w", err)
		}
	}
	return settings, metadata, nil
}

// Decode sets a's Settings and Metadata from their documents, a nil
// metadata document (NULL) as nil metadata. Metadata numbers come back as
// json.Number with the digits the client sent.
func Decode(a *gatehouse.App, settings, metadata []byte) error {
	var s settingsDoc
	if err := json.Unmarshal(settings, &s); err != nil {
		return fmt.Errorf("appcodec: stored settings of app %s: %w", a.ID, err)
	}
	a.Settings = gatehouse.AppSettings(s)
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
