package main

import "testing"

// TestTail: lines split across writes are seen whole, for the listening
// line and for the ERROR count.
func TestTail(t *testing.T) {
	for name, chunks := range map[string][]string{
		"whole lines": {"{\"level\":\"INFO\",\"msg\":\"listening\"}\n", "{\"level\":\"ERROR\"}\n"},
		"split":       {"{\"level\":\"INFO\",\"msg\":\"list", "ening\"}\n{\"lev", "el\":\"ERROR\"}\n"},
		"one write":   {"{\"msg\":\"listening\"}\n{\"level\":\"ERROR\"}\n{\"level\":\"ERROR\",\"err\":\"context canceled\"}\npartial"},
	} {
		t.Run(name, func(t *testing.T) {
			tl := newTail(`"msg":"listening"`)
			for _, c := range chunks {
				tl.Write([]byte(c))
			}
			select {
			case <-tl.seen:
			default:
				t.Error("the listening line was not seen")
			}
			c := tl.counts()
			wantLines, wantCanceled := int64(2), int64(0)
			if name == "one write" {
				wantLines, wantCanceled = 3, 1
			}
			if c.lines != wantLines || c.errors != 1+wantCanceled || c.canceled != wantCanceled || len(c.first) != 1 || c.first[0] != `{"level":"ERROR"}` {
				t.Errorf("counts() = %+v, want %d lines, %d errors of which %d canceled, first [{\"level\":\"ERROR\"}]", c, wantLines, 1+wantCanceled, wantCanceled)
			}
		})
	}
}
