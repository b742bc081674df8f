// Package sms sends text messages (短信) to members: sign-in codes now,
// notices later. Every message is stored first — mobile encrypted, looked up
// through its blind index — then handed to a Provider, and its outcome
// recorded. The built-in Outbox provider delivers nothing: staff read the
// stored messages in the console, so a club without an SMS account (and the
// demo) still works.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"estateclub/internal/apperr"
)

// Provider delivers a text message.
type Provider interface {
	Name() string
	Send(ctx context.Context, mobile, text string) error
}

// Outbox is the built-in provider: it delivers nothing; the stored message
// is what staff read in the console's outbox (so the demo works without an
// SMS account).
type Outbox struct{}

// Name is "outbox".
func (Outbox) Name() string { return "outbox" }

// Send does nothing: the stored message is the delivery.
func (Outbox) Send(context.Context, string, string) error { return nil }

// Gateway posts to a real SMS gateway over HTTP: JSON {"mobile":...,
// "text":..., "sign":...} with "Authorization: Bearer <Key>"; any 2xx is
// sent; otherwise an error with the status and body (truncated).
type Gateway struct {
	URL, Key, Sign string
	Client         *http.Client // nil: a client with a 10 s timeout
}

// Name is "http".
func (g *Gateway) Name() string { return "http" }

// maxErrorBody is how much of a gateway's error answer is kept.
const maxErrorBody = 200

// Send posts one message.
func (g *Gateway) Send(ctx context.Context, mobile, text string) error {
	body, err := json.Marshal(map[string]string{"mobile": mobile, "text": text, "sign": g.Sign})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if g.Key != "" {
		req.Header.Set("Authorization", "Bearer "+g.Key)
	}
	client := g.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+1))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("sms gateway: status %d: %s", resp.StatusCode, truncate(strings.TrimSpace(string(answer)), maxErrorBody))
	}
	return nil
}

// NewProvider makes the provider named by settings: "outbox" (default, "")
// or "http" (needs url).
func NewProvider(kind, gatewayURL, key, sign string) (Provider, error) {
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case "", "outbox":
		return Outbox{}, nil
	case "http":
		u, err := url.Parse(gatewayURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, apperr.Field("sms_url", "短信网关地址应为 http(s):// 开头的网址", "the SMS gateway URL must be an http(s):// address")
		}
		return &Gateway{URL: gatewayURL, Key: key, Sign: sign}, nil
	}
	return nil, apperr.Field("sms_provider", "短信服务应为 outbox 或 http", "the SMS provider must be outbox or http")
}
