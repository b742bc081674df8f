package web

import (
	"net/url"
	"strings"
	"unicode"
)

// LocalTarget reports whether next may be sent as a Location after sign-in
// or a language switch: a path on this site, starting with prefix, that a
// browser cannot read as another host. Browsers drop tabs and newlines from
// a URL and read a backslash as a slash, so "/\t/evil.com" and "/\evil.com"
// both become "//evil.com"; any control character, space or backslash is
// refused rather than cleaned.
func LocalTarget(next, prefix string) bool {
	if !strings.HasPrefix(next, prefix) || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return false
	}
	for _, c := range next {
		if c == '\\' || unicode.IsControl(c) || unicode.IsSpace(c) {
			return false
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	// The path as a browser resolves it against this site must stay here:
	// "/%2F/evil.com" decodes to a path starting "//".
	if strings.HasPrefix(u.Path, "//") {
		return false
	}
	base := &url.URL{Scheme: "https", Host: "club.invalid", Path: "/"}
	return base.ResolveReference(u).Host == base.Host
}

// SafeNext keeps a post-login redirect on this site; anything else goes home.
func SafeNext(next string) string {
	if !LocalTarget(next, "/") {
		return "/"
	}
	return next
}

// SafePortalNext keeps a portal redirect inside the portal.
func SafePortalNext(next string) string {
	if !LocalTarget(next, "/m/") {
		return "/m/"
	}
	return next
}
