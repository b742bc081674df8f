// Package i18n holds the message catalogues of every page and message:
// Chinese (zh-CN) first, English second.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var files embed.FS

// Languages lists the supported UI languages, the default first.
var Languages = []string{"zh-CN", "en"}

// Default is the language used when nothing else is known.
const Default = "zh-CN"

// Catalog translates message IDs.
type Catalog struct {
	bundle  *goi18n.Bundle
	matcher language.Matcher
	locs    map[string]*goi18n.Localizer
}

// Load reads the embedded catalogues.
func Load() (*Catalog, error) {
	b := goi18n.NewBundle(language.SimplifiedChinese)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, lang := range Languages {
		names, err := catalogueFiles(lang)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if _, err := b.LoadMessageFileFS(files, name); err != nil {
				return nil, fmt.Errorf("load %s: %w", name, err)
			}
		}
	}
	c := &Catalog{
		bundle:  b,
		matcher: language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English}),
		locs:    map[string]*goi18n.Localizer{},
	}
	for _, l := range Languages {
		c.locs[l] = goi18n.NewLocalizer(b, l)
	}
	return c, nil
}

// T translates id into lang with optional template data; a missing
// message shows its id so that it is noticed, never an empty string.
func (c *Catalog) T(lang, id string, data ...map[string]any) string {
	loc, ok := c.locs[lang]
	if !ok {
		loc = c.locs[Default]
	}
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(data) > 0 {
		cfg.TemplateData = data[0]
	}
	s, err := loc.Localize(cfg)
	if err != nil {
		return id
	}
	return s
}

// Has reports whether id exists in lang's catalogue.
func (c *Catalog) Has(lang, id string) bool {
	_, err := goi18n.NewLocalizer(c.bundle, lang).Localize(&goi18n.LocalizeConfig{MessageID: id})
	return err == nil
}

// Match picks the supported language for an Accept-Language header.
func (c *Catalog) Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return Default
	}
	return Languages[i]
}

// FromRequest picks the language of a request before sign-in. Pages are
// Chinese unless the visitor chose English (the "lang" cookie): a browser's
// English Accept-Language does not turn a Chinese product English. The API
// answers in the request's Accept-Language.
func (c *Catalog) FromRequest(r *http.Request, api bool) string {
	if api {
		if al := r.Header.Get("Accept-Language"); al != "" {
			return c.Match(al)
		}
		return Default
	}
	if ck, err := r.Cookie("lang"); err == nil && Supported(ck.Value) {
		return ck.Value
	}
	return Default
}

// Supported reports whether lang is a UI language.
func Supported(lang string) bool { return lang == "zh-CN" || lang == "en" }

// catalogueFiles names a language's catalogue files: the main one,
// locales/<lang>.json, and one per area, locales/<area>.<lang>.json, so
// that an area's messages live beside each other.
func catalogueFiles(lang string) ([]string, error) {
	areas, err := fs.Glob(files, "locales/*."+lang+".json")
	if err != nil {
		return nil, err
	}
	sort.Strings(areas)
	return append([]string{"locales/" + lang + ".json"}, areas...), nil
}

// IDs lists the message IDs of a language's catalogue files (for
// completeness tests). An ID defined in two files is an error.
func IDs(lang string) ([]string, error) {
	names, err := catalogueFiles(lang)
	if err != nil {
		return nil, err
	}
	seen := map[string]string{}
	var ids []string
	for _, name := range names {
		raw, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for k := range m {
			if first, dup := seen[k]; dup {
				return nil, fmt.Errorf("message %s is in both %s and %s", k, first, name)
			}
			seen[k] = name
			ids = append(ids, k)
		}
	}
	sort.Strings(ids)
	return ids, nil
}
