package main

import "testing"

// TestTail: lines split across writes are seen whole, for the listening
// line and for the ERROR count.
func TestTail(t *testing.T) {
	for name, chunks := range map[string][]string{
		"whole lines": {"{\"level\":\"INFO\",\"msg\":\"listening\"}\n", "{\"level\":\"ERROR\"}\n"},
		"split":       {"{\"level\":\"INFO\",\"msg\":\"list", "ening\"}\n{\"lev", "el\":\"ERROR\"}\n"},
		"one write":   {"{\"msg\":\"listening\"}\n{\"level\":\"ERROR\"}\npartial"},
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
			if n, errs := tl.counts(); n != 2 || errs != 1 {
				t.Errorf("counts() = %d lines, %d errors, want 2, 1", n, errs)
			}
		})
	}
}
