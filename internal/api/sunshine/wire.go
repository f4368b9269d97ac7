package sunshine

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// bodyLimit is Sunshine's JSON request size limit (100kb).
const bodyLimit = 100 << 10

// appSettings is an app's settings on the wire, both ways: in a request
// (POST, PATCH) a field left out or null leaves that setting alone, and an
// answer (toSettings) fills every boolean and leaves the retention out when
// it is unset, as Sunshine shows them. One type serves both because
// omitempty on a pointer only drops a nil one. Its fields are
// gatehouse.AppSettingsPatch's, so a request converts to one as it is.
type appSettings struct {
	ConversationRetentionSeconds *int64 `json:"conversationRetentionSeconds,omitempty"`
	MaskCreditCardNumbers        *bool  `json:"maskCreditCardNumbers,omitempty"`
	UseAnimalNames               *bool  `json:"useAnimalNames,omitempty"`
	EchoPostback                 *bool  `json:"echoPostback,omitempty"`
	IgnoreAutoConversationStart  *bool  `json:"ignoreAutoConversationStart,omitempty"`
	MultiConvoEnabled            *bool  `json:"multiConvoEnabled,omitempty"`
	AppLocalizationEnabled       *bool  `json:"appLocalizationEnabled,omitempty"`
}

// toSettings is the answer's settings: every one shown.
func toSettings(s gatehouse.AppSettings) appSettings {
	return appSettings{
		ConversationRetentionSeconds: s.ConversationRetentionSeconds,
		MaskCreditCardNumbers:        &s.MaskCreditCardNumbers,
		UseAnimalNames:               &s.UseAnimalNames,
		EchoPostback:                 &s.EchoPostback,
		IgnoreAutoConversationStart:  &s.IgnoreAutoConversationStart,
		MultiConvoEnabled:            &s.MultiConvoEnabled,
		AppLocalizationEnabled:       &s.AppLocalizationEnabled,
	}
}

// patch is the change a request's settings ask for; none given (or null)
// changes nothing.
func (p *appSettings) patch() gatehouse.AppSettingsPatch {
	if p == nil {
		return gatehouse.AppSettingsPatch{}
	}
	return gatehouse.AppSettingsPatch(*p)
}

// app is the wire form of an app.
type app struct {
	ID          string         `json:"id"`
	DisplayName string         `json:"displayName"`
	Settings    appSettings    `json:"settings"`
	Metadata    map[string]any `json:"metadata"`
}

// toApp is an app's wire form. Metadata is shown as core keeps it: nil as
// null (never given, or cleared), an empty object as {} (every key
// removed), as Sunshine tells the two apart.
func toApp(a *gatehouse.App) app {
	return app{ID: a.ID, DisplayName: a.DisplayName, Settings: toSettings(a.Settings), Metadata: a.Metadata}
}

// wireList is a list's wire form, each item through to: [] when there are
// none, never null, as Sunshine answers an empty list.
func wireList[T, W any](items []T, to func(T) W) []W {
	out := make([]W, 0, len(items))
	for _, it := range items {
		out = append(out, to(it))
	}
	return out
}

type appResponse struct {
	App app `json:"app"`
}

// AppendJSON writes r's JSON itself (httpio.Appender).
func (r appResponse) AppendJSON(dst []byte) ([]byte, bool) {
	dst, ok := r.App.AppendJSON(append(dst, `{"app":`...))
	return append(dst, '}'), ok
}

// AppendJSON writes a's JSON itself (httpio.Appender): when its metadata is
// null or {}, and its strings need no escaping.
func (a app) AppendJSON(dst []byte) ([]byte, bool) {
	var ok bool
	if dst, ok = httpio.AppendString(append(dst, `{"id":`...), a.ID); !ok {
		return dst, false
	}
	if dst, ok = httpio.AppendString(append(dst, `,"displayName":`...), a.DisplayName); !ok {
		return dst, false
	}
	dst = a.Settings.appendJSON(append(dst, `,"settings":`...))
	switch {
	case a.Metadata == nil:
		dst = append(dst, `,"metadata":null}`...)
	case len(a.Metadata) == 0:
		dst = append(dst, `,"metadata":{}}`...)
	default:
		return dst, false
	}
	return dst, true
}

// appendJSON appends s's JSON: each field that is set, in order.
func (s *appSettings) appendJSON(dst []byte) []byte {
	open := len(dst)
	dst = append(dst, '{')
	field := func(dst []byte, name string) []byte {
		if len(dst) > open+1 {
			dst = append(dst, ',')
		}
		return append(dst, name...)
	}
	if s.ConversationRetentionSeconds != nil {
		dst = strconv.AppendInt(field(dst, `"conversationRetentionSeconds":`), *s.ConversationRetentionSeconds, 10)
	}
	for _, f := range [...]struct {
		name string
		v    *bool
	}{
		{`"maskCreditCardNumbers":`, s.MaskCreditCardNumbers},
		{`"useAnimalNames":`, s.UseAnimalNames},
		{`"echoPostback":`, s.EchoPostback},
		{`"ignoreAutoConversationStart":`, s.IgnoreAutoConversationStart},
		{`"multiConvoEnabled":`, s.MultiConvoEnabled},
		{`"appLocalizationEnabled":`, s.AppLocalizationEnabled},
	} {
		if f.v != nil {
			dst = strconv.AppendBool(field(dst, f.name), *f.v)
		}
	}
	return append(dst, '}')
}

type appListMeta struct {
	HasMore      bool   `json:"hasMore"`
	AfterCursor  string `json:"afterCursor,omitempty"`
	BeforeCursor string `json:"beforeCursor,omitempty"`
}

type appListLinks struct {
	Prev string `json:"prev,omitempty"`
	Next string `json:"next,omitempty"`
}

type appListResponse struct {
	Apps  []app        `json:"apps"`
	Meta  appListMeta  `json:"meta"`
	Links appListLinks `json:"links"`
}

// appBody is POST /v2/apps and PATCH /v2/apps/{appId}. displayName is a
// pointer to tell absent from empty; metadata stays raw to tell absent from
// null and to keep numbers exact.
type appBody struct {
	DisplayName *string         `json:"displayName"`
	Settings    *appSettings    `json:"settings"`
	Metadata    json.RawMessage `json:"metadata"`
}

// metadata decodes the metadata field: not given, null, or an object
// (numbers kept exact; core checks the values).
func (b appBody) metadata() (core.MetadataPatch, error) {
	if b.Metadata == nil {
		return core.MetadataPatch{}, nil
	}
	if string(bytes.TrimSpace(b.Metadata)) == "null" {
		return core.MetadataPatch{Given: true, Clear: true}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b.Metadata))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return core.MetadataPatch{}, gatehouse.Err(gatehouse.ReasonMetadataNotObject)
	}
	return core.MetadataPatch{Given: true, Set: m}, nil
}

// pageSize decodes page[size]: not given is 0, core's default; anything
// but a non-zero integer is -1, a size core refuses.
func pageSize(s string) int {
	if s == "" {
		return 0
	}
	if n, err := strconv.Atoi(s); err == nil && n != 0 {
		return n
	}
	return -1
}

// appKey is the wire form of an app key, secret included (the spec returns
// it on create, list and get).
type appKey struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Secret      string `json:"secret"`
}

func toAppKey(v core.AppKeyView) appKey {
	return appKey{ID: v.Key.ID, DisplayName: v.Key.DisplayName, Secret: v.Secret}
}

type appKeyResponse struct {
	Key appKey `json:"key"`
}

type appKeyListResponse struct {
	Keys []appKey `json:"keys"`
}

// appKeyBody is POST /v2/apps/{appId}/keys.
type appKeyBody struct {
	DisplayName *string `json:"displayName"`
}

// empty is DELETE's {} answer.
type empty struct{}
