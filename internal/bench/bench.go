// Package bench measures what the issues set targets for: member import
// throughput and memory, and search latency, on SQLite and PostgreSQL.
// `estateclub bench` prints the figures; timings never decide a test.
package bench

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"estateclub/internal/member"
	"estateclub/internal/member/transfer"
)

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建文红梅亮晨婷浩宇欣怡子涵梓轩雨泽一诺思远嘉怡俊豪晓雪佳琪志强海燕春燕国庆丹丹")
	prefixes = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159", "166", "177", "180", "181", "186", "187", "188", "189", "191", "198", "199"}
	tags     = []string{"高尔夫", "亲子", "理财", "红酒", "摄影", "旅游", "瑜伽", "读书", "马拉松", "茶道"}
)

// Mobile is the i-th of a sequence of distinct valid mobile numbers.
func Mobile(i int) string {
	// A multiplicative permutation of 0..10^8-1 spreads the numbers.
	n := (uint64(i) * 48271) % 100_000_000
	return prefixes[i%len(prefixes)] + fmt.Sprintf("%08d", n)
}

// Application is the i-th generated application at one of nodes.
func Application(r *rand.Rand, i int, nodes []string) member.Application {
	name := string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))])
	if r.IntN(3) > 0 {
		name += string(given[r.IntN(len(given))])
	}
	a := member.Application{NodeCode: nodes[i%len(nodes)], Name: name, Mobile: Mobile(i), Channel: member.SalesSite,
		Tags: []string{tags[r.IntN(len(tags))]}}
	if r.IntN(2) == 0 {
		a.Birthday = fmt.Sprintf("%d-%02d-%02d", 1955+r.IntN(45), 1+r.IntN(12), 1+r.IntN(28))
	}
	return a
}

// Latency summarises timings.
type Latency struct {
	N                  int
	P50, P95, P99, Max time.Duration
}

func summarise(d []time.Duration) Latency {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	if len(d) == 0 {
		return Latency{}
	}
	return Latency{N: len(d), P50: d[len(d)/2], P95: d[len(d)*95/100], P99: d[len(d)*99/100], Max: d[len(d)-1]}
}

func (l Latency) String() string {
	return fmt.Sprintf("p50 %7.2f ms  p95 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (n=%d)", ms(l.P50), ms(l.P95), ms(l.P99), ms(l.Max), l.N)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// PeakRSS is the process's peak resident memory in MiB (Linux VmHWM).
func PeakRSS() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// CPUTime is the process's user plus system time so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ImportResult is what one import run measured.
type ImportResult struct {
	Rows     int
	Elapsed  time.Duration
	CPU      time.Duration // this process's user+system time: the part of Elapsed the machine's other load does not inflate (SQLite runs in it; PostgreSQL's server does not)
	PeakMiB  float64
	Failures int
}

// RowsPerSec is the throughput.
func (r ImportResult) RowsPerSec() float64 { return float64(r.Rows) / r.Elapsed.Seconds() }

// WriteCSV writes n generated members, spread over the projects nodes,
// as a .csv file the way a club exports them from a spreadsheet.
func WriteCSV(path string, n int, nodes []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(bufio.NewWriterSize(f, 1<<20))
	_ = w.Write([]string{"姓名", "手机号码", "出生日期", "入会渠道", "所属项目", "兴趣爱好"})
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		a := Application(r, i, nodes)
		_ = w.Write([]string{a.Name, a.Mobile, a.Birthday, "销售现场", a.NodeCode, strings.Join(a.Tags, "、")})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Import imports the .csv file at path (WriteCSV's) into the org node
// orgCode through the real import path (transfer.Import: reading, column
// matching, checks, then batches of batch rows) and measures it.
func Import(ctx context.Context, svc *member.Service, path, orgCode string, batch int, progress func(done, total int)) (ImportResult, error) {
	start, cpu0 := time.Now(), CPUTime()
	sheet, err := transfer.OpenFile(path)
	if err != nil {
		return ImportResult{}, err
	}
	defer sheet.Close()
	rep, err := transfer.Import(ctx, svc, sheet, transfer.Options{OrgCode: orgCode, BatchSize: batch, Progress: progress})
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: rep.Rows, Failures: rep.Failed, Elapsed: time.Since(start), CPU: CPUTime() - cpu0, PeakMiB: PeakRSS()}
	if n := rep.Created + rep.Merged + rep.Conflicted + rep.Failed; n != rep.Rows {
		return res, fmt.Errorf("import accounted for %d of %d rows", n, rep.Rows)
	}
	return res, nil
}

// Seed submits n generated applications in batches straight to the
// member service (no file), to fill a database for other benchmarks.
func Seed(ctx context.Context, svc *member.Service, n, batch int, nodes []string) error {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]member.Application, 0, batch)
	flush := func() error {
		_, err := svc.ApplyBatch(ctx, buf, member.BatchOptions{Application: true, Source: "import", NodePath: "/1/", Summary: "bench"})
		buf = buf[:0]
		return err
	}
	for i := range n {
		buf = append(buf, Application(r, i, nodes))
		if len(buf) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(buf) > 0 {
		return flush()
	}
	return nil
}

// SearchKinds are the kinds of search staff make, each with a query maker
// over the imported rows (i < n).
var SearchKinds = []struct {
	Name  string
	Query func(r *rand.Rand, n int) member.Filter
}{
	{"full mobile", func(r *rand.Rand, n int) member.Filter { return member.Filter{Q: Mobile(r.IntN(n))} }},
	{"last 4 digits", func(r *rand.Rand, n int) member.Filter { m := Mobile(r.IntN(n)); return member.Filter{Q: m[7:]} }},
	{"member number", func(r *rand.Rand, n int) member.Filter { return member.Filter{Q: fmt.Sprintf("M%08d", 1+r.IntN(n))} }},
	{"name substring", func(r *rand.Rand, _ int) member.Filter {
		return member.Filter{Q: string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))])}
	}},
	{"pinyin initials", func(r *rand.Rand, _ int) member.Filter {
		return member.Filter{Q: []string{"zs", "wl", "lxm", "cjh", "hyt"}[r.IntN(5)]}
	}},
	{"full pinyin", func(r *rand.Rand, _ int) member.Filter {
		return member.Filter{Q: []string{"zhangwei", "lina", "wangfang", "liuyang", "chenjing"}[r.IntN(5)]}
	}},
	{"tag filter", func(r *rand.Rand, _ int) member.Filter { return member.Filter{Tag: tags[r.IntN(len(tags))]} }},
}

// Search runs each kind of search k times (first page of 20, with the
// total) and returns its latency.
func Search(ctx context.Context, svc *member.Service, n, k int, within []string) (map[string]Latency, error) {
	out := map[string]Latency{}
	r := rand.New(rand.NewPCG(3, 4))
	for _, kind := range SearchKinds {
		var d []time.Duration
		for range k {
			f := kind.Query(r, n)
			f.Within, f.Limit = within, 20
			t0 := time.Now()
			if _, _, err := svc.List(ctx, f); err != nil {
				return nil, fmt.Errorf("%s: %w", kind.Name, err)
			}
			d = append(d, time.Since(t0))
		}
		out[kind.Name] = summarise(d)
	}
	return out, nil
}
