package httpio

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
)

// BodyLimits bound a body that may be JSON or a form (DecodeJSONOrForm).
// Every limit answers ETOOLARGE when passed.
type BodyLimits struct {
	Body  int64 // the whole body as sent, multipart framing included
	Value int64 // one form value (held in memory)
	File  int64 // one file part (read and discarded, never stored)
	Parts int   // form values and file parts together
}

// DecodeJSONOrForm reads a body that may be JSON or a form, by the one rule
// every Ask Sage route follows:
//
//   - a body whose first byte past JSON whitespace is "{" is JSON, whatever
//     the Content-Type says (curl -d labels everything a form), and is
//     decoded into v exactly as DecodeJSON does;
//   - otherwise a multipart/form-data or application/x-www-form-urlencoded
//     body is a form, returned as its values;
//   - anything else is JSON too (DecodeJSON's rule: empty reads as {}, the
//     rest must be one JSON object).
//
// It returns nil values when the body was JSON. Multipart bodies are read
// as a stream: values are kept in memory (each at most lim.Value), file
// parts are read and thrown away (each at most lim.File), and nothing is
// ever written to disk, so no request can leave a temporary file behind,
// whatever becomes of it (docs/security.md 23b). A body that ends before the
// closing boundary is EINVALID; values must be valid UTF-8 without NUL.
func DecodeJSONOrForm(w http.ResponseWriter, r *http.Request, lim BodyLimits, v any) (url.Values, error) {
	body := &limitWatch{r: http.MaxBytesReader(w, r.Body, lim.Body), limit: lim.Body}
	var src io.Reader = body
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var closing *closeWatch
	if mt == "multipart/form-data" && params["boundary"] != "" {
		closing = newCloseWatch(src, params["boundary"])
		src = closing
	}
	br := bufio.NewReader(src)
	first, err := firstNonSpace(br)
	if err != nil {
		return nil, body.readError(err)
	}
	if first == '{' || mt != "multipart/form-data" && mt != "application/x-www-form-urlencoded" {
		data, err := io.ReadAll(br)
		if err != nil {
			return nil, body.readError(err)
		}
		return nil, Unmarshal(data, v)
	}
	if mt == "application/x-www-form-urlencoded" {
		data, err := io.ReadAll(br)
		if err != nil {
			return nil, body.readError(err)
		}
		return parseURLEncoded(string(data), lim)
	}
	if closing == nil {
		return nil, errBadForm
	}
	return readMultipart(br, params["boundary"], closing, body, lim)
}

var errBadForm = gatehouse.Err(gatehouse.ReasonFormUnreadable)

// firstNonSpace returns the first byte of br past JSON whitespace without
// consuming anything but whitespace runs longer than br's buffer; 0 for an
// empty (or all-whitespace) body.
func firstNonSpace(br *bufio.Reader) (byte, error) {
	for {
		buf, err := br.Peek(br.Size())
		for _, c := range buf {
			switch c {
			case ' ', '\t', '\r', '\n':
			default:
				return c, nil
			}
		}
		switch {
		case err == io.EOF:
			return 0, nil
		case errors.Is(err, bufio.ErrBufferFull), err == nil:
			br.Discard(len(buf)) // a full buffer of whitespace: leading blanks mean nothing to any format
		default:
			return 0, err
		}
	}
}

// parseURLEncoded reads an application/x-www-form-urlencoded body.
func parseURLEncoded(s string, lim BodyLimits) (url.Values, error) {
	if n := strings.Count(s, "&") + 1; n > lim.Parts {
		return nil, gatehouse.Err(gatehouse.ReasonFormTooManyFields).WithLimit(int64(lim.Parts))
	}
	vs, err := url.ParseQuery(s)
	if err != nil {
		return nil, errBadForm
	}
	for name, list := range vs {
		for _, v := range list {
			if err := checkValue(name, v, lim); err != nil {
				return nil, err
			}
		}
	}
	return vs, nil
}

// readMultipart reads a multipart/form-data body part by part.
func readMultipart(src io.Reader, boundary string, closing *closeWatch, body *limitWatch, lim BodyLimits) (url.Values, error) {
	mr := multipart.NewReader(src, boundary)
	form := url.Values{}
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			// NextPart also says io.EOF when the body stops inside a
			// part's header: only the closing boundary ends a form.
			if !closing.seen {
				return nil, errBadForm
			}
			return form, nil
		}
		if err != nil {
			return nil, body.formError(err)
		}
		if parts >= lim.Parts {
			return nil, gatehouse.Err(gatehouse.ReasonFormTooManyParts).WithLimit(int64(lim.Parts))
		}
		name := p.FormName()
		_, dp, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if _, isFile := dp["filename"]; isFile || name == "" {
			// A file (or a part that is not a form value): read to check
			// the framing and the limit, and drop.
			n, err := io.Copy(io.Discard, io.LimitReader(p, lim.File+1))
			if err != nil {
				return nil, body.formError(err)
			}
			if n > lim.File {
				return nil, gatehouse.Err(gatehouse.ReasonFileTooLarge).WithName(truncate(name, 40)).WithLimit(lim.File)
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p, lim.Value+1))
		if err != nil {
			return nil, body.formError(err)
		}
		if err := checkValue(name, string(b), lim); err != nil {
			return nil, err
		}
		form.Add(name, string(b))
	}
}

// checkValue applies the per-value rules: the size limit, UTF-8, no NUL.
func checkValue(name, v string, lim BodyLimits) error {
	if int64(len(v)) > lim.Value {
		return gatehouse.Err(gatehouse.ReasonFormFieldTooLarge).WithName(truncate(name, 40)).WithLimit(lim.Value)
	}
	if strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
		return gatehouse.Err(gatehouse.ReasonFormValueInvalid)
	}
	return nil
}

// limitWatch passes a MaxBytesReader on and remembers whether the limit
// was reached, however the error is wrapped (or dropped) further up.
type limitWatch struct {
	r     io.Reader
	limit int64
	hit   bool
}

func (l *limitWatch) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		l.hit = true
	}
	return n, err
}

func (l *limitWatch) tooLarge() error {
	return gatehouse.Err(gatehouse.ReasonBodyTooLarge).WithLimit(l.limit)
}

// readError maps a failure to read the body.
func (l *limitWatch) readError(error) error {
	if l.hit {
		return l.tooLarge()
	}
	return gatehouse.Err(gatehouse.ReasonBodyUnreadable)
}

// formError maps a failure to read or parse a multipart body.
func (l *limitWatch) formError(error) error {
	if l.hit {
		return l.tooLarge()
	}
	return errBadForm
}

// closeWatch passes a multipart body on and notes when the close delimiter
// ("--boundary--" at the start of a line) has gone by. A sender chooses its
// boundary so that it occurs in no part, so once seen the form is complete.
// (A crafted body holding it inside a part only gets read as the sender
// could have sent it whole: the check is there to refuse bodies cut short.)
type closeWatch struct {
	r     io.Reader
	delim []byte // "\n--" + boundary + "--"
	tail  []byte // the last len(delim)-1 bytes passed on, to match across reads
	seen  bool
}

func newCloseWatch(r io.Reader, boundary string) *closeWatch {
	// The tail starts as a line break, so a body that opens with the close
	// delimiter (a form of no parts) is complete too.
	return &closeWatch{r: r, delim: []byte("\n--" + boundary + "--"), tail: []byte("\n")}
}

func (c *closeWatch) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n == 0 || c.seen {
		return n, err
	}
	k := len(c.delim) - 1
	joint := append(c.tail, p[:min(n, k)]...) // the delimiter may straddle two reads
	if bytes.Contains(joint, c.delim) || bytes.Contains(p[:n], c.delim) {
		c.seen = true
		return n, err
	}
	if n >= k {
		c.tail = append(c.tail[:0], p[n-k:n]...)
	} else {
		c.tail = append(c.tail[:0], joint[max(len(joint)-k, 0):]...)
	}
	return n, err
}
