package sunshine

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

// bodyLimit is Sunshine's JSON request size limit (100kb).
const bodyLimit = 100 << 10

// appSettings is the wire form of an app's settings.
type appSettings struct {
	ConversationRetentionSeconds *int64 `json:"conversationRetentionSeconds,omitempty"`
	MaskCreditCardNumbers        bool   `json:"maskCreditCardNumbers"`
	UseAnimalNames               bool   `json:"useAnimalNames"`
	EchoPostback                 bool   `json:"echoPostback"`
	IgnoreAutoConversationStart  bool   `json:"ignoreAutoConversationStart"`
	MultiConvoEnabled            bool   `json:"multiConvoEnabled"`
	AppLocalizationEnabled       bool   `json:"appLocalizationEnabled"`
}

// app is the wire form of an app.
type app struct {
	ID          string         `json:"id"`
	DisplayName string         `json:"displayName"`
	Settings    appSettings    `json:"settings"`
	Metadata    map[string]any `json:"metadata"`
}

func toApp(a *gatehouse.App) app {
	return app{ID: a.ID, DisplayName: a.DisplayName, Settings: appSettings(a.Settings), Metadata: a.Metadata}
}

type appResponse struct {
	App app `json:"app"`
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

// settingsPatch is settings in a request: every field optional.
type settingsPatch struct {
	ConversationRetentionSeconds *int64 `json:"conversationRetentionSeconds"`
	MaskCreditCardNumbers        *bool  `json:"maskCreditCardNumbers"`
	UseAnimalNames               *bool  `json:"useAnimalNames"`
	EchoPostback                 *bool  `json:"echoPostback"`
	IgnoreAutoConversationStart  *bool  `json:"ignoreAutoConversationStart"`
	MultiConvoEnabled            *bool  `json:"multiConvoEnabled"`
	AppLocalizationEnabled       *bool  `json:"appLocalizationEnabled"`
}

func (p *settingsPatch) core() gatehouse.AppSettingsPatch {
	if p == nil {
		return gatehouse.AppSettingsPatch{}
	}
	return gatehouse.AppSettingsPatch(*p)
}

// appBody is POST /v2/apps and PATCH /v2/apps/{appId}. displayName is a
// pointer to tell absent from empty; metadata stays raw to tell absent from
// null and to keep numbers exact.
type appBody struct {
	DisplayName *string         `json:"displayName"`
	Settings    *settingsPatch  `json:"settings"`
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
