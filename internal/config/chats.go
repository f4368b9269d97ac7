package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// chatErrors reports the chat quota settings that cannot work.
func (c Config) chatErrors() []error {
	var errs []error
	if c.ChatMaxMessage <= 0 || c.ChatMaxSession <= 0 || c.ChatMaxAccount <= 0 {
		errs = append(errs, errors.New("chat-max-message, chat-max-session and chat-max-account must be positive"))
	} else if c.ChatMaxMessage > c.ChatMaxSession || c.ChatMaxSession > c.ChatMaxAccount {
		errs = append(errs, fmt.Errorf("chat quotas: want chat-max-message (%s) <= chat-max-session (%s) <= chat-max-account (%s)",
			byteSize(c.ChatMaxMessage).format(), byteSize(c.ChatMaxSession).format(), byteSize(c.ChatMaxAccount).format()))
	}
	return errs
}

// byteSize is a size flag: a number of bytes, optionally followed by KiB,
// MiB or GiB (or K, M, G, which mean the same).
type byteSize int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}}

func (b *byteSize) Set(s string) error {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<50)/mult {
		return fmt.Errorf("%q is not a size (want bytes, or a number with KiB, MiB or GiB)", s)
	}
	*b = byteSize(n * mult)
	return nil
}

func (b *byteSize) String() string {
	if b == nil {
		return "0"
	}
	return byteSize.format(*b)
}

func (b byteSize) format() string {
	for _, u := range []struct {
		name string
		mult int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if b != 0 && int64(b)%u.mult == 0 {
			return strconv.FormatInt(int64(b)/u.mult, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}
