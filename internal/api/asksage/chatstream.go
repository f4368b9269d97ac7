package asksage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpio"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

// jsonStream writes a 200 answer while it is read: values are encoded one
// at a time and go through a small buffer to the client, so the process
// never holds an answer, however large, and holds at most a page of it
// however slowly the client reads. Values are encoded as httpio.JSON
// encodes them (HTML escaping off).
type jsonStream struct {
	rw      http.ResponseWriter
	out     *bufio.Writer
	val     bytes.Buffer
	enc     *json.Encoder
	started bool  // the status and the start of the body are written
	err     error // the first write error (the client went away)
}

func newJSONStream(w http.ResponseWriter) jsonStream { return jsonStream{rw: w} }

func (s *jsonStream) stream() *jsonStream { return s }

// begin writes the status, the headers and prefix, once.
func (s *jsonStream) begin(prefix string) {
	if s.started {
		return
	}
	s.started = true
	httpio.StartJSON(s.rw, http.StatusOK)
	s.out = bufio.NewWriterSize(s.rw, 32<<10)
	s.raw(prefix)
}

// raw writes bytes as they are.
func (s *jsonStream) raw(b string) {
	if s.err == nil {
		_, s.err = s.out.WriteString(b)
	}
}

func (s *jsonStream) write(b []byte) {
	if s.err == nil {
		_, s.err = s.out.Write(b)
	}
}

// encoded returns v as JSON (a wire type, which cannot fail to encode),
// valid until the next call.
func (s *jsonStream) encoded(v any) []byte {
	if s.enc == nil { // here, not in newJSONStream: s must not move after
		s.enc = json.NewEncoder(&s.val)
		s.enc.SetEscapeHTML(false)
	}
	s.val.Reset()
	if err := s.enc.Encode(v); err != nil && s.err == nil {
		s.err = err
	}
	return bytes.TrimSuffix(s.val.Bytes(), []byte("\n"))
}

func (s *jsonStream) flush(suffix string) error {
	s.raw(suffix)
	if s.err == nil {
		s.err = s.out.Flush()
	}
	return s.err
}

// endStream ends a streamed answer, given what reading it returned. An
// error before anything was written is an ordinary error answer; after,
// the status is gone, so the connection is cut (http.ErrAbortHandler) and
// the client sees a truncated answer, never one that looks complete.
func endStream(w http.ResponseWriter, r *http.Request, log *slog.Logger, s *jsonStream, err error, finish func() error) {
	if err == nil {
		err = finish()
	}
	if err == nil {
		return
	}
	if !s.started {
		writeError(w, r, log, err)
		return
	}
	if s.err == nil { // not the client going away: a fault mid-answer
		log.LogAttrs(r.Context(), slog.LevelError, "answer cut short",
			slog.String("requestId", reqinfo.From(r.Context()).ID), slog.String("code", gatehouse.ErrorCode(err)), slog.Any("err", err))
	}
	panic(http.ErrAbortHandler)
}

// chatStream is a core.ChatWriter on a jsonStream. Its bytes are those of
// encoding the wire types (chatRow, chatMessageRow, chatsPayload) in one
// piece, except that <, > and & are not escaped: this is JSON, not HTML,
// and escaping them would make them six bytes each (seven in get-chats).
//
// get-chats (list) answers {"response": "<the listing as a JSON string>",
// "status": 200}: inside the string every " and \ of the listing is escaped
// (the listing holds no other character JSON escapes, since its strings
// are encoded already). get-chat-session answers {"response": <one session
// object>, "status": 200}.
type chatStream struct {
	jsonStream
	list     bool // get-chats: a list of sessions inside a JSON string
	sessions int  // sessions started
	msgs     int  // messages written in the current session
}

func newChatStream(w http.ResponseWriter, list bool) *chatStream {
	return &chatStream{jsonStream: newJSONStream(w), list: list}
}

// inner writes bytes of the response value: escaped into the JSON string
// for get-chats, as they are otherwise.
func (s *chatStream) inner(b []byte) {
	if !s.list {
		s.write(b)
		return
	}
	for len(b) > 0 && s.err == nil {
		i := bytes.IndexAny(b, `"\`)
		if i < 0 {
			s.write(b)
			return
		}
		s.write(b[:i])
		s.write([]byte{'\\', b[i]})
		b = b[i+1:]
	}
}

func (s *chatStream) innerString(b string) { s.inner([]byte(b)) }

func (s *chatStream) value(v any) { s.inner(s.encoded(v)) }

func (s *chatStream) start() {
	if s.started {
		return
	}
	if s.list {
		s.begin(`{"response":"`)
		s.innerString(`{"chats":[`)
	} else {
		s.begin(`{"response":`)
	}
}

func (s *chatStream) StartChat(c *gatehouse.ChatSession) error {
	s.start()
	if s.sessions > 0 {
		s.innerString(`,`)
	}
	s.sessions++
	s.msgs = 0
	s.innerString(`{"session_id":`)
	s.value(c.ID)
	s.innerString(`,"id":`)
	s.value(c.ID)
	s.innerString(`,"title":`)
	s.value(c.Title)
	s.innerString(`,"created_at":`)
	s.value(wireTime(c.CreatedAt))
	s.innerString(`,"updated_at":`)
	s.value(wireTime(c.UpdatedAt))
	s.innerString(`,"chats":[`)
	return s.err
}

func (s *chatStream) Messages(msgs []*gatehouse.ChatMessage) error {
	for _, m := range msgs {
		if s.msgs > 0 {
			s.innerString(`,`)
		}
		s.msgs++
		s.value(chatMessageRow{ID: m.ID, User: fromRole(m.Role), Message: m.Text, DateTime: wireTime(m.CreatedAt)})
	}
	return s.err
}

func (s *chatStream) EndChat() error {
	s.innerString(`]}`)
	return s.err
}

// finish writes the end of the answer once the listing is complete.
func (s *chatStream) finish() error {
	s.start()
	if s.list {
		s.innerString(`],"buttons":[]}`)
		return s.flush(`","status":200}`)
	}
	return s.flush(`,"status":200}`)
}

// listStream writes {"response": [items...], "status": 200}.
type listStream struct {
	jsonStream
	n int
}

func newListStream(w http.ResponseWriter) *listStream {
	return &listStream{jsonStream: newJSONStream(w)}
}

func (s *listStream) item(v any) {
	s.begin(`{"response":[`)
	if s.n > 0 {
		s.raw(",")
	}
	s.n++
	s.write(s.encoded(v))
}

func (s *listStream) finish() error {
	s.begin(`{"response":[`)
	return s.flush(`],"status":200}`)
}
