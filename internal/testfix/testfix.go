// Package testfix builds what the store tests of several areas need, on a
// fresh database of each engine: the org tree, staff holding roles at its
// nodes, approved members (their personal data sealed with one fixed key),
// members with point balances earned through the ledger, approved point
// plans, and a fake clock. A server harness builds on an Env: it serves
// Env.DB with Env.Keys and signs in the staff Env.Staff makes.
//
// Only tests import testfix. A domain package whose tests use it keeps
// them external (package x_test): testfix imports the domain packages.
package testfix

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/points"
)

// Tree is the org tree of every Env, below the root GROUP (集团) that the
// migrations make, in the order the nodes are created:
//
//	GROUP
//	├── EAST 华东事业部
//	│   ├── SH 上海城市公司: SH-PD 浦东项目, SH-XH 徐汇项目
//	│   └── HZ 杭州城市公司: HZ-XH 西湖项目
//	└── SOUTH 华南事业部
//	    └── SZ 深圳城市公司: SZ-QH 前海项目
var Tree = []org.NewNode{
	{ParentCode: "GROUP", Kind: org.Region, Code: "EAST", Name: "华东事业部"},
	{ParentCode: "EAST", Kind: org.City, Code: "SH", Name: "上海城市公司"},
	{ParentCode: "SH", Kind: org.Project, Code: "SH-PD", Name: "浦东项目"},
	{ParentCode: "SH", Kind: org.Project, Code: "SH-XH", Name: "徐汇项目"},
	{ParentCode: "EAST", Kind: org.City, Code: "HZ", Name: "杭州城市公司"},
	{ParentCode: "HZ", Kind: org.Project, Code: "HZ-XH", Name: "西湖项目"},
	{ParentCode: "GROUP", Kind: org.Region, Code: "SOUTH", Name: "华南事业部"},
	{ParentCode: "SOUTH", Kind: org.City, Code: "SZ", Name: "深圳城市公司"},
	{ParentCode: "SZ", Kind: org.Project, Code: "SZ-QH", Name: "前海项目"},
}

// Key is the one personal-data key of the tests (a fresh copy each time).
func Key() []byte { return bytes.Repeat([]byte{7}, pii.KeySize) }

// Tester is the staff member who builds the fixtures (and acts in the
// tests that name nobody else).
var Tester = db.Actor{Kind: "staff", Login: "tester"}

// Ctx is a context acting as Tester.
func Ctx() context.Context { return db.WithActor(context.Background(), Tester) }

// Env is one migrated database with the tree, the services of the lower
// areas over it, and the nodes by code.
type Env struct {
	DB      *db.DB
	Keys    *pii.Keys
	Orgs    *org.Service
	Auth    *auth.Service
	Members *member.Service
	Points  *points.Service
	// Nodes holds GROUP and every node made through the Env, by code.
	Nodes map[string]*org.Node
	// Clock is the database's clock when the Env was made WithClock; nil
	// leaves the real time.
	Clock *Clock

	seq atomic.Int64 // numbers handed out: mobiles, names, idempotency keys
}

// Option changes how an Env is made.
type Option func(*options)

type options struct {
	clock *Clock
	tree  []org.NewNode // nil: Tree
}

// WithTree builds nodes below GROUP instead of Tree (a test whose
// expectations count another tree's nodes).
func WithTree(nodes ...org.NewNode) Option {
	return func(o *options) { o.tree = nodes }
}

// WithClock gives the database a fake clock that starts at start (see
// Start) and moves only when told, before anything is written.
func WithClock(start time.Time) Option {
	return func(o *options) { o.clock = NewClock(start) }
}

// Run runs fn once per engine as a subtest, each on a fresh Env, the way
// dbtest.Run does.
func Run(t *testing.T, fn func(t *testing.T, e *Env), opts ...Option) {
	t.Helper()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		fn(t, New(t, d, opts...))
	})
}

// Open is an Env on a fresh database of one engine.
func Open(t testing.TB, engine db.Dialect, opts ...Option) *Env {
	t.Helper()
	return New(t, dbtest.Open(t, engine), opts...)
}

// New builds the tree and the services on d, a fresh migrated database.
func New(t testing.TB, d *db.DB, opts ...Option) *Env {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	keys, err := pii.NewKeys(Key())
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{DB: d, Keys: keys, Orgs: &org.Service{DB: d}, Auth: auth.NewService(d),
		Members: &member.Service{DB: d, Keys: keys}, Nodes: map[string]*org.Node{}, Clock: o.clock}
	e.Points = &points.Service{DB: d, Members: e.Members}
	if e.Clock != nil {
		d.Clock = e.Clock.Now
	}
	root, err := e.Orgs.ByCode(context.Background(), "GROUP")
	if err != nil {
		t.Fatal(err)
	}
	e.Nodes[root.Code] = root
	tree := Tree
	if o.tree != nil {
		tree = o.tree
	}
	e.AddNodes(t, tree...)
	return e
}

// AddNodes creates nodes below the tree, in order, and records them.
func (e *Env) AddNodes(t testing.TB, nodes ...org.NewNode) {
	t.Helper()
	for _, n := range nodes {
		node, err := e.Orgs.Create(Ctx(), n)
		if err != nil {
			t.Fatalf("create node %s: %v", n.Code, err)
		}
		e.Nodes[n.Code] = node
	}
}

// Path is the path of the node with code.
func (e *Env) Path(code string) string { return e.Nodes[code].Path }
