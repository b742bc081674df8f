package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Kind names a sort of problem in a page.
type Kind string

// The problems a tab watches for. Each fails the test, unless Expect names it.
const (
	// Exception is an uncaught exception or an unhandled promise rejection.
	Exception Kind = "exception"
	// ConsoleError is a console.error or a failed console.assert.
	ConsoleError Kind = "console error"
	// LogError is an error the browser itself logs, such as a violation of
	// the Content-Security-Policy.
	LogError Kind = "log error"
	// FailedLoad is a request that got no answer: refused, reset, blocked
	// (by the CSP, by CORS) or cancelled by the page itself. A request
	// cancelled because its frame went to another page is not one.
	FailedLoad Kind = "failed load"
	// BadStatus is a status of 400 or more for a script, a style sheet, an
	// image, a font, a medium or the page's icon, or of 500 or more for any
	// request, the page itself included.
	BadStatus Kind = "bad status"
)

// flushTimeout bounds the round trip that lets the last events of a tab
// arrive before its problems are checked.
const flushTimeout = 5 * time.Second

// watchKey keys the watch of a tab in the contexts New and Tab return.
type watchKey struct{}

// Expect declares a problem the test provokes on purpose in the tab of ctx
// (a context from New or Tab): a problem of that kind whose text contains
// the given text is logged instead of failing the test. Such a problem must
// then happen at least once before the tab closes, or the test fails.
// Declare it before the step that provokes it.
//
//	browsertest.Expect(t, ctx, browsertest.BadStatus, "/photos/999")
func Expect(t testing.TB, ctx context.Context, kind Kind, contains string) {
	t.Helper()
	w, ok := ctx.Value(watchKey{}).(*watch)
	if !ok {
		t.Fatal("browsertest.Expect: the context does not come from browsertest.New or browsertest.Tab")
	}
	if contains == "" {
		t.Fatalf("browsertest.Expect(%s): name the problem with a part of its text", kind)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.expected = append(w.expected, &expectation{kind: kind, contains: contains})
}

type expectation struct {
	kind     Kind
	contains string
	seen     int
}

// watch collects the problems of one tab and reports them to its test:
// t.Errorf as they come, and at the close of the tab, an expected problem
// that never came. It forwards the browser's own errors to t.Logf.
type watch struct {
	t        testing.TB
	mu       sync.Mutex
	stopped  bool                         // the tab's check is done: report nothing more
	page     string                       // the URL of the page open in the tab
	main     cdp.FrameID                  // the tab's top frame
	loaders  map[cdp.FrameID]cdp.LoaderID // the last navigation of each frame
	requests map[network.RequestID]*request
	held     map[cdp.FrameID]string // a cancelled navigation, until the frame's next event
	expected []*expectation
}

// request is what a failed load needs to know of its request.
type request struct {
	url    string
	frame  cdp.FrameID
	loader cdp.LoaderID // the navigation whose document made the request
	// stays: the answer keeps the browser on its page, so cancelling the
	// request is how the browser ends it: a download (Content-Disposition:
	// attachment) or 204/205 No Content.
	stays bool
	// answered: its bad status is reported; its failure would repeat it.
	answered bool
}

func newWatch(t testing.TB) *watch {
	return &watch{t: t, loaders: map[cdp.FrameID]cdp.LoaderID{},
		requests: map[network.RequestID]*request{}, held: map[cdp.FrameID]string{}}
}

// reportHeld reports the cancelled navigation of the frame, if any, as a
// failed load.
func (w *watch) reportHeld(frame cdp.FrameID) {
	if text, ok := w.held[frame]; ok {
		delete(w.held, frame)
		w.problem(FailedLoad, text)
	}
}

// logf forwards chromedp's own error messages, until the cleanup starts:
// testing panics on a log after the test has completed.
func (w *watch) logf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Logf(format, args...)
	}
}

// problem reports a problem of the page open now, with the page's URL and
// text, what the browser said: logged when an Expect names it, an error
// otherwise.
func (w *watch) problem(kind Kind, text string) {
	if w.stopped {
		return
	}
	for _, e := range w.expected {
		if e.kind == kind && strings.Contains(text, e.contains) {
			e.seen++
			w.t.Logf("browser %s in %s: %s (expected)", kind, w.page, text)
			return
		}
	}
	w.t.Errorf("browser %s in %s: %s", kind, w.page, text)
}

// finish lets the events sent before now arrive (one round trip to the
// page), stops reporting, and fails the test for every expected problem that
// did not happen (unless the test has failed already, which may be why).
// It runs at the cleanup of the tab, before the tab closes. A request still
// on its way then is not judged.
func (w *watch) finish(ctx context.Context) {
	var err error
	// A tab that never opened is not opened now.
	if c := chromedp.FromContext(ctx); c != nil && c.Target != nil {
		fctx, cancel := context.WithTimeout(ctx, flushTimeout)
		_, err = chromedp.Run(fctx, chromedp.Evaluate[int]("0"))
		cancel()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil && ctx.Err() == nil {
		w.t.Logf("browsertest: the last events of the tab may be missing: %v", err)
	}
	for frame := range w.held {
		w.reportHeld(frame)
	}
	if !w.t.Skipped() && !w.t.Failed() {
		for _, e := range w.expected {
			if e.seen == 0 {
				w.t.Errorf("browser %s containing %q was expected in %s, but did not happen", e.kind, e.contains, w.page)
			}
		}
	}
	w.stopped = true
}

// event runs on the tab's read loop, so it must return fast and send no
// command (see chromedp.WithListener).
func (w *watch) event(ev any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch ev := ev.(type) {
	case *page.EventFrameNavigated:
		if ev.Frame.ParentID == "" {
			w.main, w.page = ev.Frame.ID, ev.Frame.URL
		}
		w.loaders[ev.Frame.ID] = ev.Frame.LoaderID
	case *page.EventNavigatedWithinDocument:
		if ev.FrameID == w.main {
			w.page = ev.URL
		}
	case *page.EventFrameStartedNavigating:
		w.loaders[ev.FrameID] = ev.LoaderID
		delete(w.held, ev.FrameID) // cancelled for this navigation
	case *page.EventFrameStoppedLoading:
		w.reportHeld(ev.FrameID) // cancelled, and no navigation replaced it
	case *runtime.EventExceptionThrown:
		w.problem(Exception, exceptionText(ev.ExceptionDetails))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			w.problem(ConsoleError, fmt.Sprintf("console.%s: %s%s", ev.Type, argsText(ev.Args), stackPlace(ev.StackTrace)))
		}
	case *cdplog.EventEntryAdded:
		// The network's errors ("Failed to load resource") come again as
		// the Network events below, which tell a page from a script.
		if e := ev.Entry; e != nil && e.Level == cdplog.EntryLevelError && e.Source != cdplog.EntrySourceNetwork {
			w.problem(LogError, fmt.Sprintf("%s: %s (%s)", e.Source, e.Text, e.URL))
		}
	default:
		w.network(ev)
	}
}

// network follows the requests of the tab, for failed loads and bad statuses.
func (w *watch) network(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.Type == network.ResourceTypeDocument {
			w.loaders[ev.FrameID] = ev.LoaderID
		}
		w.requests[ev.RequestID] = &request{url: ev.Request.URL, frame: ev.FrameID, loader: ev.LoaderID}
	case *network.EventResponseReceived:
		res := ev.Response
		if r := w.requests[ev.RequestID]; r != nil {
			r.stays = res.Status == 204 || res.Status == 205 || isAttachment(res.Headers)
		}
		if res.Status >= 500 || res.Status >= 400 && isSubresource(ev.Type, res.URL) {
			if r := w.requests[ev.RequestID]; r != nil {
				r.answered = true
			}
			w.problem(BadStatus, fmt.Sprintf("%d %s: %s (%s)", res.Status, res.StatusText, res.URL, ev.Type))
		}
	case *network.EventLoadingFinished:
		delete(w.requests, ev.RequestID)
	case *network.EventLoadingFailed:
		r := w.requests[ev.RequestID]
		delete(w.requests, ev.RequestID)
		if r == nil {
			r = &request{url: "request " + string(ev.RequestID)}
		}
		text := fmt.Sprintf("%s: %s (%s)", ev.ErrorText, r.url, ev.Type)
		if ev.BlockedReason != "" {
			text += " blocked: " + string(ev.BlockedReason)
		}
		if ev.CorsErrorStatus != nil {
			text += " CORS: " + string(ev.CorsErrorStatus.CorsError)
		}
		switch {
		case r.answered:
			return // a script refused for its 404 page, say
		case ev.Canceled && r.stays:
			return // a download or No Content: the browser stays on its page
		case ev.Canceled && r.loader != "" && w.loaders[r.frame] != r.loader:
			return // the frame went on to another page
		case ev.Canceled && ev.Type == network.ResourceTypeDocument:
			// A navigation cut off by a new one is cancelled just before
			// the new one starts: the frame's next event tells.
			w.held[r.frame] = text
			return
		}
		w.problem(FailedLoad, text)
	}
}

// isSubresource tells the parts a page shows with from the requests its
// scripts make (whose 4xx answers a script may expect and handle). Chromium
// asks for /favicon.ico itself, as a request of type Other.
func isSubresource(typ network.ResourceType, rawURL string) bool {
	switch typ {
	case network.ResourceTypeScript, network.ResourceTypeStylesheet, network.ResourceTypeImage,
		network.ResourceTypeFont, network.ResourceTypeMedia, network.ResourceTypeTextTrack,
		network.ResourceTypeManifest:
		return true
	case network.ResourceTypeOther:
		u, err := url.Parse(rawURL)
		return err == nil && u.Path == "/favicon.ico"
	}
	return false
}

func isAttachment(h network.Headers) bool {
	for k, v := range h {
		if s, ok := v.(string); ok && strings.EqualFold(k, "Content-Disposition") {
			return strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "attachment")
		}
	}
	return false
}

// exceptionText is the message of an uncaught exception with its place.
func exceptionText(d *runtime.ExceptionDetails) string {
	place := fmt.Sprintf(" (%s:%d:%d)", d.URL, d.LineNumber+1, d.ColumnNumber+1)
	text := d.Text
	if d.Exception != nil {
		// An Error's description ends with its stack, places included.
		value := argsText([]*runtime.RemoteObject{d.Exception})
		text += " " + value
		if strings.Contains(value, "\n    at ") {
			place = ""
		}
	}
	return text + place
}
