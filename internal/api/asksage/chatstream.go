package asksage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// chatStream is a core.ChatWriter that writes a chat answer while core
// reads it: each session header and each message is encoded on its own and
// goes through a small buffer to the client, so the process never holds
// the answer, however large, and holds at most a page of messages however
// slowly the client reads. The bytes are those of encoding the wire types
// (chatRow, chatMessageRow, chatsPayload) in one piece, except that <, >
// and & are not escaped: this is JSON, not HTML, and escaping them would
// make them six bytes each.
//
// get-chats (list) answers {"response": "<the listing as a JSON string>",
// "status": 200}: inside the string every " and \ of the listing is escaped
// (the listing holds no other character JSON escapes, since its strings
// are encoded already). get-chat-session answers {"response": <one session
// object>, "status": 200}.
type chatStream struct {
	rw       http.ResponseWriter
	out      *bufio.Writer
	list     bool // get-chats: a list of sessions inside a JSON string
	val      bytes.Buffer
	enc      *json.Encoder
	started  bool  // the status and the start of the body are written
	sessions int   // sessions started
	msgs     int   // messages written in the current session
	err      error // the first write error (the client went away)
}

func newChatStream(w http.ResponseWriter, list bool) *chatStream {
	s := &chatStream{rw: w, list: list}
	s.enc = json.NewEncoder(&s.val)
	s.enc.SetEscapeHTML(false)
	return s
}

// raw writes envelope bytes as they are.
func (s *chatStream) raw(b string) {
	if s.err == nil {
		_, s.err = s.out.WriteString(b)
	}
}

// inner writes bytes of the response value: escaped into the JSON string
// for get-chats, as they are otherwise.
func (s *chatStream) inner(b []byte) {
	if !s.list {
		if s.err == nil {
			_, s.err = s.out.Write(b)
		}
		return
	}
	for len(b) > 0 && s.err == nil {
		i := bytes.IndexAny(b, `"\`)
		if i < 0 {
			_, s.err = s.out.Write(b)
			return
		}
		if _, s.err = s.out.Write(b[:i]); s.err == nil {
			s.err = s.out.WriteByte('\\')
		}
		if s.err == nil {
			s.err = s.out.WriteByte(b[i])
		}
		b = b[i+1:]
	}
}

func (s *chatStream) innerString(b string) { s.inner([]byte(b)) }

// value writes v as JSON (a wire type, which cannot fail to encode).
func (s *chatStream) value(v any) {
	s.val.Reset()
	if err := s.enc.Encode(v); err != nil && s.err == nil {
		s.err = err
	}
	s.inner(bytes.TrimSuffix(s.val.Bytes(), []byte("\n")))
}

func (s *chatStream) start() {
	if s.started {
		return
	}
	s.started = true
	httpio.StartJSON(s.rw, http.StatusOK)
	s.out = bufio.NewWriterSize(s.rw, 32<<10)
	if s.list {
		s.raw(`{"response":"`)
		s.innerString(`{"chats":[`)
	} else {
		s.raw(`{"response":`)
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
		s.raw(`","status":200}`)
	} else {
		s.raw(`,"status":200}`)
	}
	if s.err == nil {
		s.err = s.out.Flush()
	}
	return s.err
}
