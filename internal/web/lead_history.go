package web

import (
	"regexp"
)

var ownerRe = regexp.MustCompile(`^#(\d+) (.*)$`)
