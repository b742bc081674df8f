// Package browsertest drives a real headless Chromium from Go tests with
// chromedp (v0.23.0, the generic API: chromedp.Do for steps,
// chromedp.Run(ctx, chromedp.Title()) for values).
//
//	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
//	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
//		t.Fatal(err)
//	}
//	browsertest.Screenshot(t, ctx, "portal-home")
//
// Every tab fails its test on a problem of its pages: an uncaught exception,
// a console error, a CSP violation, a failed load, a missing script, style
// sheet or image (see Kind). A test that provokes one on purpose says so
// first, narrowly:
//
//	browsertest.Expect(t, ctx, browsertest.BadStatus, "/photos/999")
//
// Without Chromium the tests are skipped loudly, except in CI (CI=true),
// where they fail.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Default window size and time limit of a browser started by New.
const (
	DefaultWidth   = 1280
	DefaultHeight  = 900
	DefaultTimeout = 60 * time.Second
)

type config struct {
	width, height int
	mobile        bool
	timeout       time.Duration
}

// Option changes how New starts the browser.
type Option func(*config)

// WithViewport sets the size of the page in CSS pixels (default 1280x900);
// mobile adds phone and touch emulation: WithViewport(390, 844, true) is a
// phone. A mobile page without <meta name="viewport"
// content="width=device-width"> is laid out 980 CSS pixels wide, as on a
// real phone.
func WithViewport(width, height int, mobile bool) Option {
	return func(c *config) {
		c.width, c.height, c.mobile = width, height, mobile
	}
}

// WithTimeout limits the whole browser session, start-up included. When it
// runs out, every chromedp call on the context fails with
// context.DeadlineExceeded.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// New starts a fresh headless Chromium with its own profile and returns a
// chromedp context for one tab. The browser is stopped at t.Cleanup.
//
// The tab fails the test (t.Errorf, with the page's URL) on every problem of
// its pages: an uncaught exception or promise rejection, a console error, an
// error the browser logs (a CSP violation), a failed load and a bad status
// (see Kind). A test that provokes one on purpose declares it with Expect.
func New(t testing.TB, opts ...Option) context.Context {
	t.Helper()
	cfg := config{width: DefaultWidth, height: DefaultHeight, timeout: DefaultTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	exe := requireChromium(t)

	// Created before the cleanup below is registered, so the profile is
	// removed only after the browser has stopped (cleanups run last first).
	profile := t.TempDir()
	w := newWatch(t)

	root, cancelRoot := context.WithTimeout(context.Background(), cfg.timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(root,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(cfg.width, cfg.height),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx,
		chromedp.WithListener(w.event),
		chromedp.WithErrorf(w.logf),
	)
	t.Cleanup(func() {
		w.finish(ctx)
		cancelTab()
		cancelAlloc()
		cancelRoot()
	})

	// The first Do starts the browser and binds its life to ctx.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", exe, err)
	}
	// Headless Chromium's window has room for a toolbar it never draws
	// (1280x900 gives a 1280x757 page), so pin the viewport exactly.
	if err := chromedp.Do(ctx, emulateViewport(cfg)); err != nil {
		t.Fatalf("emulate a %dx%d viewport: %v", cfg.width, cfg.height, err)
	}
	return context.WithValue(context.WithValue(ctx, configKey{}, cfg), watchKey{}, w)
}

// configKey keys the config of New in the contexts it returns, for Tab.
type configKey struct{}

// Tab opens another tab in the browser of ctx (a context from New) with
// the first tab's viewport. The tab lives in a browser context of its own,
// as in a separate private window: its own cookies and storage, so tabs
// may be signed in as different users. It is closed at t.Cleanup. Its
// problems fail t, as New's do.
func Tab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	cfg, ok := ctx.Value(configKey{}).(config)
	if !ok {
		t.Fatal("browsertest.Tab: the context does not come from browsertest.New")
	}
	w := newWatch(t)
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(w.event))
	t.Cleanup(func() {
		w.finish(tab)
		cancel()
	})
	if err := chromedp.Do(tab, emulateViewport(cfg)); err != nil {
		t.Fatalf("open a %dx%d tab: %v", cfg.width, cfg.height, err)
	}
	return context.WithValue(tab, watchKey{}, w)
}

// Screenshot saves a full-page PNG of the tab as name.png, in the folder
// named by ESTATECLUB_SCREENSHOTS (created if missing) or else in a temporary
// folder of the test, logs its path and returns it. In a shared folder, a
// later screenshot with the same name replaces the earlier one.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	dir := os.Getenv("ESTATECLUB_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path, err := SaveScreenshot(ctx, dir, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
	return path
}

// SaveScreenshot saves a full-page PNG of the tab as dir/name.png (dir is
// created if missing) and returns its path. It is Screenshot for callers
// that must not stop the test, such as goroutines.
func SaveScreenshot(ctx context.Context, dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("screenshot %s: %w", name, err)
	}
	// Quality 100 is the only value for which chromedp asks for PNG.
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "", fmt.Errorf("screenshot %s: %w", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		return "", fmt.Errorf("screenshot %s: %w", name, err)
	}
	return path, nil
}

// Resize changes the tab's viewport as WithViewport sets it, without
// reloading the page: the page is laid out again at the new size.
func Resize(width, height int, mobile bool) chromedp.Action[chromedp.Void] {
	return emulateViewport(config{width: width, height: height, mobile: mobile})
}

// emulateViewport pins the page size; a mobile device also gets touch.
func emulateViewport(cfg config) chromedp.Action[chromedp.Void] {
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateLandscape}
	if cfg.height >= cfg.width {
		opts[0] = chromedp.EmulatePortrait
	}
	if cfg.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	return chromedp.EmulateViewport(int64(cfg.width), int64(cfg.height), opts...)
}

var missingOnce sync.Once

// requireChromium returns the path of Chromium, or fails (in CI) or skips
// the test when there is none.
func requireChromium(t testing.TB) string {
	t.Helper()
	exe, err := findChromium()
	if err == nil {
		return exe
	}
	if inCI() {
		t.Fatalf("Chromium is required in CI: %v", err)
	}
	missingOnce.Do(func() {
		shout(fmt.Sprintf("\n!!! Chromium not found: browser tests are SKIPPED (%v).\n!!! Install it (apt-get install chromium fonts-wqy-microhei) or set ESTATECLUB_CHROMIUM.\n\n", err))
	})
	t.Skipf("SKIPPED: Chromium not found: %v", err)
	return ""
}

// shout prints msg where the developer sees it. `go test ./...` without -v
// hides the output of a passing package, stderr included, so then the
// terminal gets it directly when there is one.
func shout(msg string) {
	if !testing.Verbose() {
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			defer tty.Close()
			if _, err := io.WriteString(tty, msg); err == nil {
				return
			}
		}
	}
	fmt.Fprint(os.Stderr, msg)
}

// findChromium looks at ESTATECLUB_CHROMIUM, then /usr/bin/chromium, then
// chromium on the PATH.
func findChromium() (string, error) {
	if p := os.Getenv("ESTATECLUB_CHROMIUM"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("ESTATECLUB_CHROMIUM=%s: %w", p, err)
		}
		return path, nil
	}
	if path, err := exec.LookPath("/usr/bin/chromium"); err == nil {
		return path, nil
	}
	return exec.LookPath("chromium")
}

func inCI() bool { return os.Getenv("CI") == "true" || os.Getenv("CI") == "1" }

func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		var s string
		switch {
		case a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &s) == nil:
		case a.Description != "":
			s = a.Description
		case len(a.Value) > 0:
			s = string(a.Value)
		default:
			s = string(a.UnserializableValue)
			if s == "" {
				s = string(a.Type)
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func stackPlace(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 {
		return ""
	}
	f := st.CallFrames[0]
	return fmt.Sprintf(" (%s:%d:%d)", f.URL, f.LineNumber+1, f.ColumnNumber+1)
}
