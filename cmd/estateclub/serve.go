package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"estateclub/internal/demo"
	"estateclub/internal/jobs"
	"estateclub/internal/sms"
	"estateclub/internal/web"
	"estateclub/internal/web/site"
)

func serveCmd(cfg *config) *cobra.Command {
	var withDemo bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "run the web service (console and API)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), cfg, withDemo)
		},
	}
	tp, _ := strconv.ParseBool(envOr("ESTATECLUB_TRUST_PROXY", "false"))
	cmd.Flags().StringVar(&cfg.Addr, "addr", envOr("ESTATECLUB_ADDR", "127.0.0.1:8080"), "listen address (env ESTATECLUB_ADDR)")
	cmd.Flags().BoolVar(&cfg.TrustProxy, "trust-proxy", tp, "trust X-Forwarded-For/-Proto from a load balancer (env ESTATECLUB_TRUST_PROXY)")
	hops, _ := strconv.Atoi(envOr("ESTATECLUB_PROXY_HOPS", "1"))
	cmd.Flags().IntVar(&cfg.ProxyHops, "proxy-hops", hops,
		"with --trust-proxy: how many proxies append to X-Forwarded-For; the client's address is that many entries from the right (env ESTATECLUB_PROXY_HOPS)")
	cmd.Flags().StringVar(&cfg.TimeZone, "time-zone", envOr("ESTATECLUB_TIME_ZONE", "Asia/Shanghai"),
		"the club's time zone, in which pages show times (env ESTATECLUB_TIME_ZONE)")
	cmd.Flags().BoolVar(&withDemo, "demo", false, "fill an empty database with demo data and print the demo logins")
	cmd.Flags().StringVar(&cfg.PublicURL, "public-url", envOr("ESTATECLUB_PUBLIC_URL", ""),
		"the address members reach the service at, for the links in text messages (default: http:// and the listen address) (env ESTATECLUB_PUBLIC_URL)")
	cmd.Flags().StringVar(&cfg.SMSProvider, "sms-provider", envOr("ESTATECLUB_SMS_PROVIDER", "outbox"),
		"SMS delivery: outbox (kept for staff to read in the console's SMS outbox) or http (a gateway: ESTATECLUB_SMS_URL, ESTATECLUB_SMS_KEY, ESTATECLUB_SMS_SIGN) (env ESTATECLUB_SMS_PROVIDER)")
	return cmd
}

func serve(ctx context.Context, cfg *config, withDemo bool) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := cfg.logger()
	d, err := cfg.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	log.Info("database ready", "dialect", d.Dialect(), "db", redactedDSN(cfg.dsn()))
	keys, err := cfg.keys(ctx, d, log)
	if err != nil {
		return err
	}
	if withDemo {
		if err := seedDemo(ctx, cfg, d, keys, log); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	} else if err := checkDemo(ctx, d, log); err != nil {
		return err
	}
	provider, err := sms.NewProvider(cfg.SMSProvider, os.Getenv("ESTATECLUB_SMS_URL"), os.Getenv("ESTATECLUB_SMS_KEY"), os.Getenv("ESTATECLUB_SMS_SIGN"))
	if err != nil {
		return err
	}
	log.Info("sms", "provider", provider.Name())
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return fmt.Errorf("--time-zone %q: %w", cfg.TimeZone, err)
	}
	public, err := cfg.publicURL()
	if err != nil {
		return err
	}
	srv, err := site.New(web.Config{Location: loc, TrustProxy: cfg.TrustProxy, ProxyHops: cfg.ProxyHops, Version: version, Keys: keys, SMS: provider,
		PublicURL: public}, d, log)
	if err != nil {
		return err
	}
	// Background and periodic jobs run on River; a job this host's
	// previous run left running is taken back at once.
	jc, err := jobs.Start(context.WithoutCancel(ctx), jobs.Config{Queue: srv.Jobs, Handlers: srv.JobHandlers(), Schedule: srv.Schedule,
		Worker: jobs.LocalWorker(), Log: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return errors.Join(err, jc.Stop(context.Background()))
	}
	url := "http://" + ln.Addr().String()
	// Tests and scripts read this line to find the port.
	fmt.Printf("estateclub listening on %s\n", url)
	if withDemo {
		printDemo(url)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return errors.Join(err, jc.Stop(context.Background()))
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	// Jobs under way are cancelled and go back to the queue for another
	// server or the next start.
	return errors.Join(err, jc.Stop(sctx))
}

func printDemo(url string) {
	fmt.Printf("\n  客户会演示系统 demo: %s\n  所有演示账号的密码 password of every demo login: %s\n\n", url, demo.Password)
	for _, l := range demo.Logins {
		fmt.Printf("  %-15s %-8s %s @ %s\n", l.Login, l.Role.Label("zh-CN"), l.Role, l.Org)
	}
	fmt.Printf("\n  会员之家 member portal: %s/m/  手机号 mobile %s（验证码见管理后台“短信发件箱” the code is in the console's SMS outbox, as supervisor）\n\n", url, demo.PortalMobile)
}
