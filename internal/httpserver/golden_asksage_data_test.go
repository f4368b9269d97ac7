package httpserver_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// sharedSet is an owner's dataset shared with another account at level.
type sharedSet struct {
	owner, other user
	full         string // the dataset's full name
}

func (g *goldenEnv) sharedSet(t *testing.T, level string) sharedSet {
	t.Helper()
	s := sharedSet{owner: g.user(t), other: g.user(t)}
	s.full = g.addDataset(t, s.owner.token, "shared-set")
	wantStatus(t, "share", g.share(t, s.owner.token, updatePermPath, map[string]string{"dataset": s.full, "email": s.other.email, "permission": level}), 200)
	return s
}

// askSageDatasetCases: /user/*-dataset* and /server/get-datasets.
func askSageDatasetCases() []goldenCase {
	add := func(rest, body string) goldenCase {
		return goldenCase{name: askName("add-dataset", "POST", rest), req: asUser("POST", addDatasetPath, fixed(body))}
	}
	// share is a case of a share route, by the owner of a fresh dataset.
	share := func(slug, path, rest string, fields func(s sharedSet) map[string]string) goldenCase {
		return goldenCase{name: askName(slug, "POST", rest), req: func(t *testing.T, g *goldenEnv) goldenReq {
			s := g.sharedSet(t, "read")
			return gPost(path, withToken(s.owner.token), mustJSON(t, fields(s)))
		}}
	}
	return []goldenCase{
		add("200", `{"dataset": "dataset-name"}`),
		add("200-classification-null", `{"dataset": "dataset-name", "classification": null}`),
		add("400-invalid-name", `{"dataset": "bad_name"}`),
		add("400-name-too-short", `{"dataset": "abc"}`),
		add("400-bad-classification", `{"dataset": "dataset-name", "classification": "Secret"}`),
		add("406-name-too-long", `{"dataset": "`+strings.Repeat("d", 101)+`"}`),
		add("407-cui-without-cac", `{"dataset": "CUI-secret"}`),
		add("413-body-too-large", string(padTo(`{"dataset": "dataset-name"}`, userLimit+1))),
		{name: askName("add-dataset", "POST", "409-duplicate"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			g.addDataset(t, u.token, "dataset-name")
			return gPost(addDatasetPath, withToken(u.token), `{"dataset": "dataset-name"}`)
		}},

		{name: askName("delete-dataset", "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			full := g.addDataset(t, u.token, "dataset-name")
			return gPost(deleteDatasetPath, withToken(u.token), `{"dataset": "`+full+`"}`)
		}},
		{name: askName("delete-dataset", "POST", "403-not-owner"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			s := g.sharedSet(t, "admin")
			return gPost(deleteDatasetPath, withToken(s.other.token), `{"dataset": "`+s.full+`"}`)
		}},
		{name: askName("delete-dataset", "POST", "404-unknown"), req: asUser("POST", deleteDatasetPath, fixed(`{"dataset": "no-such-set"}`))},

		share("assign-dataset", assignDatasetPath, "200", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": s.full, "email": s.other.email}
		}),
		share("assign-dataset", assignDatasetPath, "400-email-missing", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": s.full}
		}),
		share("assign-dataset", assignDatasetPath, "400-bad-permission", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": s.full, "email": s.other.email, "permission": "owner"}
		}),
		share("assign-dataset", assignDatasetPath, "400-permission-and-permissions-differ", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": s.full, "email": s.other.email, "permission": "read", "permissions": "edit"}
		}),
		share("assign-dataset", assignDatasetPath, "404-unknown-dataset", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": "no-such-set", "email": s.other.email}
		}),
		share("assign-dataset", assignDatasetPath, "410-no-account", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": s.full, "email": "nobody@example.com"}
		}),
		{name: askName("assign-dataset", "POST", "403-read-share"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			s := g.sharedSet(t, "read")
			third := g.user(t)
			return gPost(assignDatasetPath, withToken(s.other.token), mustJSON(t, map[string]string{"dataset": s.full, "email": third.email}))
		}},
		share("update-permission-dataset", updatePermPath, "200", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": s.full, "email": s.other.email, "permissions": "edit"}
		}),
		share("update-permission-dataset", updatePermPath, "404-unknown-dataset", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": "no-such-set", "email": s.other.email, "permission": "read"}
		}),
		share("update-permission-dataset", updatePermPath, "410-no-account", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": s.full, "email": "nobody@example.com", "permission": "read"}
		}),
		share("deassign-dataset", deassignPath, "200", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": s.full, "email": s.other.email}
		}),
		share("deassign-dataset", deassignPath, "400-owner", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": s.full, "email": s.owner.email}
		}),
		{name: askName("deassign-dataset", "POST", "404-not-shared"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			s := g.sharedSet(t, "read")
			third := g.user(t)
			return gPost(deassignPath, withToken(s.owner.token), mustJSON(t, map[string]string{"dataset": s.full, "email": third.email}))
		}},
		share("deassign-dataset", deassignPath, "410-no-account", func(s sharedSet) map[string]string {
			return map[string]string{"dataset": s.full, "email": "nobody@example.com"}
		}),

		// Listings: the caller's own dataset and one shared with it.
		{name: askName("get-datasets-with-permissions", "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			s := g.sharedSet(t, "edit")
			g.addDataset(t, s.other.token, "own-set")
			return gPost(datasetsPermsPath, withToken(s.other.token), `{"check_permissions": "true"}`)
		}},
		{name: askName("get-datasets-with-permissions", "GET", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			s := g.sharedSet(t, "read")
			return gGet(datasetsPermsPath, hdr("x-access-tokens", s.other.token))
		}},
		{name: askName("get-datasets-with-permissions", "POST", "200-empty"), req: asUser("POST", datasetsPermsPath, fixed(`{}`))},
		{name: askName("server-get-datasets", "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			s := g.sharedSet(t, "read")
			g.addDataset(t, s.other.token, "own-set")
			return gPost(serverDatasetsPath, withToken(s.other.token), `{}`)
		}},
		{name: askName("server-get-datasets", "GET", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			g.addDataset(t, u.token, "own-set")
			return gGet(serverDatasetsPath, hdr("x-access-tokens", u.key))
		}},
	}
}

// chatWith is a caller with one session holding a question and its answer.
func (g *goldenEnv) chatWith(t *testing.T) (user, string) {
	t.Helper()
	u := g.user(t)
	a := g.appendChat(t, u.token, `{"chat_title": "greeting", "chats": {"chats": [{"user": "me", "message": "hello"}, {"user": "gpt", "message": "hi there"}]}}`)
	return u, a.SessionID
}

// askSageChatCases: chat sessions and the prompt log.
func askSageChatCases() []goldenCase {
	tight := newGoldenEnv(withChatLimits(core.ChatLimits{MaxMessage: 1000, MaxSession: 2000, MaxAccount: 3000}))
	return []goldenCase{
		{name: askName("create-chat-session", "POST", "200"), req: asUser("POST", createChatPath, fixed(`{"title": "planning"}`))},
		{name: askName("create-chat-session", "POST", "200-no-body"), req: asUser("POST", createChatPath, fixed(""))},
		{name: askName("create-chat-session", "POST", "409-chat-storage-full"), env: tight, req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			g.fillAccount(t, u.token, "t", "x", core.ChatLimits{MaxMessage: 1000, MaxSession: 2000, MaxAccount: 3000})
			return gPost(createChatPath, withToken(u.token), `{"title": "one more"}`)
		}},
		{name: askName("append-chat", "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u, sid := g.chatWith(t)
			return gPost(appendChatPath, withToken(u.token), `{"session_id": "`+sid+`", "message": "and again"}`)
		}},
		{name: askName("append-chat", "POST", "200-python-client"), req: asUser("POST", appendChatPath,
			fixed(`{"chat_title": "from python", "chats": {"chats": [{"user": "me", "message": "hello"}, {"user": "gpt", "message": "hi"}]}}`))},
		{name: askName("append-chat", "POST", "400-bad-speaker"), req: asUser("POST", appendChatPath,
			fixed(`{"chats": [{"user": "robot", "message": "x"}]}`))},
		{name: askName("append-chat", "POST", "404-unknown-session"), req: asUser("POST", appendChatPath,
			fixed(`{"session_id": "`+unknownUUID+`", "message": "x"}`))},
		{name: askName("append-chat", "POST", "409-session-full"), env: tight, req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			sid := g.createChat(t, u.token, `{"title": "t"}`)
			text := strings.Repeat("x", 900)
			g.appendChat(t, u.token, mustJSON(t, map[string]string{"session_id": sid, "message": text}))
			return gPost(appendChatPath, withToken(u.token), mustJSON(t, map[string]string{"session_id": sid, "message": text}))
		}},
		{name: askName("append-chat", "POST", "413-body-too-large"), req: asUser("POST", appendChatPath,
			fixed(string(padTo(`{"session_id": "`+unknownUUID+`", "message": "x"}`, queryLimit+1))))},
		{name: askName("get-chats", "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u, _ := g.chatWith(t)
			return gPost(getChatsPath, withToken(u.token), `{"response": "string"}`)
		}},
		{name: askName("get-chats", "POST", "200-empty"), req: asUser("POST", getChatsPath, fixed(`{}`))},
		{name: askName("get-chat-session", "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u, sid := g.chatWith(t)
			return gPost(getChatPath, withToken(u.token), `{"session_id": "`+sid+`"}`)
		}},
		{name: askName("get-chat-session", "POST", "404-unknown"), req: asUser("POST", getChatPath, fixed(`{"session_id": "`+unknownUUID+`"}`))},
		{name: askName("get-chat-session", "POST", "404-not-a-uuid"), req: asUser("POST", getChatPath, fixed(`{"session_id": "your_session_id"}`))},
		{name: askName("delete-chat-session", "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u, sid := g.chatWith(t)
			return gPost(deleteChatPath, withToken(u.token), `{"session_id": "`+sid+`"}`)
		}},
		{name: askName("delete-chat-session", "POST", "404-unknown"), req: asUser("POST", deleteChatPath, fixed(`{"session_id": "`+unknownUUID+`"}`))},

		{name: askName("get-user-logs", "POST", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			g.query(t, u.token, `{"message": "what is gatehouse", "model": "stand-in-large"}`)
			return gPost(logsPath, withToken(u.token), `{}`)
		}},
		{name: askName("get-user-logs", "POST", "200-empty"), req: asUser("POST", logsPath, fixed(""))},
		{name: askName("get-user-logs", "POST", "400-limit-out-of-range"), req: asUser("POST", logsPath, fixed(`{"limit": 0}`))},
	}
}

// askSageServerCases: the Server API (/server/query, /server/get-models).
func askSageServerCases() []goldenCase {
	faulty := func(mode upstreamMode) func(t *testing.T, g *goldenEnv) goldenReq {
		return func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			g.upstreamFaults.Store(true)
			g.up.setMode(mode)
			return gPost(queryPath, withToken(u.token), `{"message": "will fail"}`)
		}
	}
	noModels := func(t *testing.T) *goldenEnv {
		clk := newTestClock()
		e := newEnv(t, clk.option())
		e.upstreamFaults.Store(true)
		return &goldenEnv{env: e, clk: clk}
	}
	return []goldenCase{
		{name: askName("server-query", "POST", "200"), req: asUser("POST", queryPath, fixed(`{"message": "hello there", "model": "stand-in-small", "temperature": 0.2}`))},
		{name: askName("server-query", "POST", "200-history"), req: asUser("POST", queryPath,
			fixed(`{"message": [{"user": "me", "message": "hi"}, {"user": "gpt", "message": "hello"}, {"user": "me", "message": "how are you"}]}`))},
		{name: askName("server-query", "POST", "200-into-session"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u, sid := g.chatWith(t)
			return gPost(queryPath, withToken(u.token), `{"message": "more", "session_id": "`+sid+`"}`)
		}},
		{name: askName("server-query", "POST", "200-form"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			return gPost(queryPath, hdr("x-access-tokens", u.key, "Content-Type", ctForm), pythonQueryForm("hello from a form").Encode())
		}},
		{name: askName("server-query", "POST", "200-multipart"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			b, ct := pythonMultipart(pythonQueryFields("hello from multipart"), "notes.txt", []byte("file content"))
			return goldenReq{method: http.MethodPost, path: queryPath, headers: hdr("x-access-tokens", u.key, "Content-Type", ct), body: b}
		}},
		{name: askName("server-query", "POST", "400-message-missing"), req: asUser("POST", queryPath, fixed(`{}`))},
		{name: askName("server-query", "POST", "400-bad-history"), req: asUser("POST", queryPath, fixed(`{"message": [{"user": "robot", "message": "x"}]}`))},
		{name: askName("server-query", "POST", "400-form-temperature"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			return gPost(queryPath, hdr("x-access-tokens", u.key, "Content-Type", ctForm), url.Values{"message": {"x"}, "temperature": {"warm"}}.Encode())
		}},
		{name: askName("server-query", "POST", "404-unknown-session"), req: asUser("POST", queryPath, fixed(`{"message": "x", "session_id": "`+unknownUUID+`"}`))},
		{name: askName("server-query", "POST", "413-body-too-large"), req: asUser("POST", queryPath, fixed(string(padTo(`{"message": "x"}`, queryLimit+1))))},
		{name: askName("server-query", "POST", "502-model-server-error"), req: faulty(upFail500)},
		{name: askName("server-query", "POST", "502-model-server-garbage"), req: faulty(upGarbage)},
		{name: askName("server-query", "POST", "504-model-server-timeout"), env: goldenEnvWith(200 * time.Millisecond), req: faulty(upSlow)},
		{name: askName("server-query", "POST", "503-no-model-server"), env: noModels, req: asUser("POST", queryPath, fixed(`{"message": "hello"}`))},
		{name: askName("server-get-models", "POST", "200"), req: asUser("POST", modelsPath, fixed(`{}`))},
		{name: askName("server-get-models", "GET", "200"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			return gGet(modelsPath, hdr("x-access-tokens", g.user(t).token))
		}},
		{name: askName("server-get-models", "POST", "502-model-server-error"), req: func(t *testing.T, g *goldenEnv) goldenReq {
			u := g.user(t)
			g.upstreamFaults.Store(true)
			g.up.setMode(upFail500)
			return gPost(modelsPath, withToken(u.token), `{}`)
		}},
		{name: askName("server-get-models", "POST", "503-no-model-server"), env: noModels, req: asUser("POST", modelsPath, fixed(`{}`))},
	}
}
