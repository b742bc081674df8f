// Command estateclub runs a property developer's customer club (客户会):
// the web service, and the administration commands beside it.
package main

import (
	"errors"
	"fmt"
	"os"
	_ "time/tzdata" // --time-zone works where the system has no zone files

	"estateclub/internal/apperr"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := newRoot().Execute(); err != nil {
		var e *apperr.Error
		if errors.As(err, &e) && e.Code != apperr.Internal {
			fmt.Fprintf(os.Stderr, "错误：%s\nerror: %s\n", e.Message("zh-CN"), e.Message("en"))
		} else {
			fmt.Fprintln(os.Stderr, "错误 error:", err)
		}
		os.Exit(1)
	}
}
