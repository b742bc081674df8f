package privacy_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"regexp"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/filestore"
	"estateclub/internal/lead"
	"estateclub/internal/member"
	"estateclub/internal/memberauth"
	"estateclub/internal/pii"
	"estateclub/internal/privacy"
	"estateclub/internal/redeem"
	"estateclub/internal/request"
	"estateclub/internal/sms"
	"estateclub/internal/testfix"
)

// fixture is every area that keeps a member's data, on testfix's tree.
type fixture struct {
	*testfix.Env
	privacy  *privacy.Service
	files    *filestore.Store
	leads    *lead.Service
	cards    *card.Service
	redeem   *redeem.Service
	requests *request.Service
	sms      *sms.Service
	portal   *memberauth.Service
	design   int64
	wang     db.Actor // a sales consultant of SH-PD, who owns the leads
	item     int64
	seq      int
}

func mustFixture(t *testing.T, e *testfix.Env) *fixture {
	t.Helper()
	f := &fixture{Env: e, files: &filestore.Store{DB: e.DB, Keys: e.Keys}}
	f.privacy = &privacy.Service{DB: e.DB, Keys: e.Keys, Files: f.files}
	f.leads = &lead.Service{DB: e.DB, Keys: e.Keys, Members: e.Members, Points: e.Points}
	f.cards = &card.Service{DB: e.DB, Secret: bytes.Repeat([]byte{9}, 32)}
	f.redeem = &redeem.Service{DB: e.DB, Points: e.Points}
	f.requests = &request.Service{DB: e.DB, Keys: e.Keys}
	f.sms = &sms.Service{DB: e.DB, Keys: e.Keys}
	f.portal = &memberauth.Service{DB: e.DB, Keys: e.Keys, SMS: f.sms, Members: e.Members}
	w := e.Staff(t, "wang", auth.SalesConsultant, "SH-PD")
	f.wang = db.Actor{Kind: "staff", ID: w.ID, Login: w.Login}
	ctx := testfix.Ctx()
	d, err := f.cards.CreateDesign(ctx, card.NewDesign{Name: "经典卡", Description: "经典卡面"})
	must(t, err)
	f.design = d.ID
	_, err = f.cards.CreateBatch(ctx, card.NewBatch{DesignID: d.ID, City: "SH", Quantity: 10})
	must(t, err)
	it, err := f.redeem.CreateItem(ctx, redeem.NewItem{NodeCode: "GROUP", Kind: redeem.KindGift, Name: "保温杯", Price: 100})
	must(t, err)
	f.item = it.ID
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// person is a member with data in every area, and the values to look for.
type person struct {
	id                                      int64
	name, surname, pinyin, mobile, idNo     string
	address                                 string
	email, wechat, spouse, note, unit, text string
	leadID                                  int64
}

// needles are the person's data in clear, and their blind indexes.
func (p person) needles(k *pii.Keys) []string {
	return []string{p.name, p.pinyin, p.mobile, p.idNo, p.address, p.email, p.wechat, p.spouse, p.note, p.text,
		k.Index(pii.KindMobile, p.mobile), k.Index(pii.KindIDNumber, p.idNo), k.Last4Index(pii.KindMobile, p.mobile[7:])}
}

// idNumber completes 17 digits with their check character.
func idNumber(first17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	return first17 + string("10X98765432"[sum%11])
}

// mustPerson enrols p and gives them data in every area: a profile change,
// a home, a card, points and an order, a lead with a follow-up and a deal,
// a request with a photo and a PDF, a text message, a portal session and a copy.
func (f *fixture) mustPerson(t *testing.T, p person, copyToo bool) person {
	t.Helper()
	ctx := testfix.Ctx()
	m, _, err := f.Members.Apply(ctx, member.Application{NodeCode: "SH-PD", Channel: member.SalesSite, Name: p.name, Mobile: p.mobile,
		IDNumber: p.idNo, Address: p.address, Email: "old." + p.email, WeChat: p.wechat, Occupation: "工程师",
		Family: []member.FamilyMember{{Relation: "配偶", Name: p.spouse}}, Tags: []string{"高尔夫"},
		Consent: member.Consent{SMS: true, How: "入会申请表签字"}})
	must(t, err)
	p.id = m.ID
	_, err = f.Members.Review(ctx, p.id, true, "")
	must(t, err)
	_, err = f.Members.Update(ctx, p.id, member.Update{Email: &p.email})
	must(t, err)
	_, err = f.Members.AddProperty(ctx, p.id, member.PropertyInput{ProjectCode: "SH-PD", Building: "7", Unit: p.unit})
	must(t, err)
	_, err = f.cards.Issue(ctx, card.IssueRequest{MemberID: p.id, Delivery: card.Post, Tracking: "SF" + p.mobile[3:]})
	must(t, err)
	f.Earn(t, p.id, 500, "")
	f.seq++
	_, err = f.redeem.Apply(ctx, redeem.Application{MemberID: p.id, ItemID: f.item, Note: "寄到" + p.address + " " + p.note,
		IdempotencyKey: fmt.Sprint("order-", f.seq)})
	must(t, err)
	res, err := f.leads.Register(ctx, lead.Registration{ProjectCode: "SH-PD", Source: lead.Visit, Mobile: p.mobile,
		Surname: p.surname, Name: p.name, Gender: "male", Media: "朋友介绍", OwnerID: &f.wang.ID})
	must(t, err)
	p.leadID = res.Lead.ID
	_, err = f.leads.AddFollowUp(db.WithActor(context.Background(), f.wang), p.leadID, lead.FollowUpInput{Channel: lead.ByPhone, Content: p.name + "想看" + p.note})
	must(t, err)
	_, err = f.leads.RecordDeal(db.WithActor(context.Background(), f.wang), p.leadID, lead.DealInput{Kind: lead.Subscription, Building: "7", Unit: p.unit})
	must(t, err)
	_, err = f.requests.Submit(db.WithActor(context.Background(), db.Actor{Kind: "member", ID: p.id, Login: fmt.Sprint("member#", p.id)}),
		request.NewRequest{MemberID: p.id, Kind: request.Complaint, Subkind: request.SubService, Text: p.text,
			Files: []request.Upload{{Name: p.name + ".png", Data: photo(t)}, {Name: p.name + ".pdf", Data: []byte("%PDF-1.4\n" + p.address + "\n%%EOF")}}})
	must(t, err)
	_, err = f.sms.Send(ctx, p.mobile, "notice", p.name+"您好，您的礼品已寄出")
	must(t, err)
	_, err = f.portal.SendCode(context.Background(), p.mobile, "10.0.0.1", "zh-CN")
	must(t, err)
	ms, _, err := f.sms.Messages(context.Background(), sms.Filter{Mobile: p.mobile, Limit: 1})
	must(t, err)
	_, _, err = f.portal.SignIn(context.Background(), p.mobile, regexp.MustCompile(`[0-9]{6}`).FindString(ms[0].Text), "10.0.0.1", "test-agent")
	must(t, err)
	if copyToo {
		_, err = f.privacy.Copy(ctx, p.id)
		must(t, err)
	}
	return p
}

func photo(t *testing.T) []byte {
	var b bytes.Buffer
	must(t, png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))))
	return b.Bytes()
}

var (
	ouyang = person{name: "欧阳明轩", surname: "欧阳", pinyin: "ouyangmingxuan", mobile: "13912345678", idNo: idNumber("31011519850612123"),
		address: "上海市浦东新区滨江大道88弄5号", email: "ouyang.mx@example.com", wechat: "oymx_wechat", spouse: "林晓雯",
		note: "靠江的大平层", unit: "1702", text: "我是欧阳明轩，物业服务太慢，请回电 13912345678"}
	sima = person{name: "司马静怡", surname: "司马", pinyin: "simajingyi", mobile: "13687654321", idNo: idNumber("31010419920315246"),
		address: "上海市徐汇区衡山路12号", email: "sima.jy@example.com", wechat: "smjy_wechat", spouse: "赵一鸣",
		note: "需要学区房", unit: "0901", text: "我是司马静怡，会员活动报名不了"}
)

func reveal(t *testing.T, f *fixture, id int64) *member.PII {
	t.Helper()
	p, err := f.Members.Reveal(testfix.Ctx(), id, "test")
	must(t, err)
	return p
}
