package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"estateclub/internal/pii"
)

// The audit log must not hold what it protects (PIPL): every entry is
// masked here, once, whoever records it. Values under personal keys are
// masked the way pages mask them for a role without member.reveal_pii,
// search terms are kept masked with their kind beside them, and any
// string anywhere (the summary, the object id, the actor's login, every
// string of before and after) has its mobile and ID numbers masked.
//
// A name is masked to its surname (pii.MaskName: 张三 → 张*) where it names
// a member or a customer: under the keys in personKeys, and under "name"
// in the entries of a member or a lead. Staff appear by login and name, as
// the log exists to say which staff member did what.

// maskByKey masks the value under a JSON key wherever it appears.
var maskByKey = map[string]func(string) string{
	"mobile":        pii.MaskMobile,
	"phone":         pii.MaskMobile,
	"tel":           pii.MaskMobile,
	"id_number":     pii.MaskIDNumber,
	"address":       pii.MaskAddress,
	"email":         pii.MaskEmail,
	"wechat":        maskHandle,
	"member_name":   pii.MaskName,
	"customer_name": pii.MaskName,
	"buyer_name":    pii.MaskName,
	"contact_name":  pii.MaskName,
}

// searchKeys hold search terms: masked with pii.MaskSearch, with the
// term's kind under the key plus "_kind".
var searchKeys = map[string]bool{"q": true, "query": true, "search": true}

// personObjects are the object types whose "name" is a person's.
var personObjects = map[string]bool{"member": true, "lead": true}

func maskHandle(s string) string {
	if s == "" {
		return ""
	}
	return pii.MaskEmail(s)
}

// masker masks one entry; person says that "name" is a person's.
type masker struct{ person bool }

func newMasker(objectType string) masker { return masker{person: personObjects[objectType]} }

// text masks a free-text value.
func (m masker) text(s string) string { return pii.MaskNumbersIn(s) }

// value masks the string under key.
func (m masker) value(key, s string) string {
	k := strings.ToLower(key)
	if f, ok := maskByKey[k]; ok {
		s = f(s)
	} else if k == "name" && m.person {
		s = pii.MaskName(s)
	} else if searchKeys[k] {
		s, _ = pii.MaskSearch(s)
	}
	return pii.MaskNumbersIn(s)
}

// json masks the JSON document raw (as json.Marshal wrote it) and writes
// it again in the same order, so an entry without personal data is stored
// byte for byte as marshalled.
func (m masker) json(raw []byte) (string, error) {
	if len(raw) == 0 {
		return "", nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var b bytes.Buffer
	if err := m.walk(dec, &b, ""); err != nil {
		return "", fmt.Errorf("audit: mask: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", fmt.Errorf("audit: mask: trailing data")
	}
	return b.String(), nil
}

// walk copies one JSON value from dec to b, masking its strings; key is
// the object key the value is under ("" at the top), and an array's
// elements are under their array's key.
func (m masker) walk(dec *json.Decoder, b *bytes.Buffer, key string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return m.object(dec, b)
		case '[':
			b.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					b.WriteByte(',')
				}
				if err := m.walk(dec, b, key); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			b.WriteByte(']')
			return nil
		}
		return fmt.Errorf("unexpected %v", t)
	case string:
		return writeString(b, m.value(key, t))
	case json.Number:
		// A number under a personal key, or one shaped like a mobile
		// number, is written as its masked string.
		s := t.String()
		if masked := m.value(key, s); masked != s {
			return writeString(b, masked)
		}
		b.WriteString(s)
	case bool:
		fmt.Fprint(b, t)
	case nil:
		b.WriteString("null")
	}
	return nil
}

func (m masker) object(dec *json.Decoder, b *bytes.Buffer) error {
	b.WriteByte('{')
	for i := 0; dec.More(); i++ {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeString(b, key); err != nil {
			return err
		}
		b.WriteByte(':')
		if !searchKeys[strings.ToLower(key)] {
			if err := m.walk(dec, b, key); err != nil {
				return err
			}
			continue
		}
		var term any
		if err := dec.Decode(&term); err != nil {
			return err
		}
		if n, isNum := term.(json.Number); isNum {
			term = n.String()
		}
		s, ok := term.(string)
		if !ok {
			if err := writeValue(b, term); err != nil {
				return err
			}
			continue
		}
		masked, kind := pii.MaskSearch(s)
		if err := writeString(b, masked); err != nil {
			return err
		}
		if kind != "" {
			b.WriteByte(',')
			_ = writeString(b, key+"_kind")
			b.WriteByte(':')
			_ = writeString(b, kind)
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	b.WriteByte('}')
	return nil
}

func writeString(b *bytes.Buffer, s string) error { return writeValue(b, s) }

func writeValue(b *bytes.Buffer, v any) error {
	out, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(out)
	return nil
}
