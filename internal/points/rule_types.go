package points

import "estateclub/internal/apperr"

// Category is the kind of rule of a point plan (积分规则类别), as DOMAIN.md
// lists them.
type Category string

// The rule categories.
const (
	CatMember    Category = "member"    // 会员常规类: joining, birthday, profile
	CatMarketing Category = "marketing" // 营销策划类: visits, referrals
	CatBrand     Category = "brand"     // 品牌推广类: brand events, articles
	CatSales     Category = "sales"     // 销售管理类: paying and signing on time
	CatResearch  Category = "research"  // 市场研究类: surveys, interviews
	CatOther     Category = "other"     // 其他
)

// Categories lists the categories in display order.
var Categories = []Category{CatMember, CatMarketing, CatBrand, CatSales, CatResearch, CatOther}

var categoryLabels = map[Category][2]string{
	CatMember: {"会员常规类", "Member routine"}, CatMarketing: {"营销策划类", "Marketing"}, CatBrand: {"品牌推广类", "Brand"},
	CatSales: {"销售管理类", "Sales management"}, CatResearch: {"市场研究类", "Market research"}, CatOther: {"其他", "Other"},
}

// Label is the category's name in lang.
func (c Category) Label(lang string) string { return pick(categoryLabels[c], lang) }

// EventType is a qualifying event (积分事件) that rules award points for.
type EventType string

// The qualifying events.
const (
	EvJoined           EventType = "joined"            // 入会
	EvBirthday         EventType = "birthday"          // 生日
	EvProfileCompleted EventType = "profile_completed" // 完善资料
	EvSiteVisit        EventType = "site_visit"        // 到访看房
	EvReferralVisit    EventType = "referral_visit"    // 推荐看房
	EvReferralPurchase EventType = "referral_purchase" // 推荐购房
	EvOnTimePayment    EventType = "on_time_payment"   // 按时缴款
	EvContractSigned   EventType = "contract_signed"   // 按时签约
	EvSurvey           EventType = "survey"            // 问卷调查 / 访谈
	EvEventAttendance  EventType = "event_attendance"  // 参加活动
	EvArticle          EventType = "article_published" // 刊物投稿刊登
	EvMerchantPurchase EventType = "merchant_purchase" // 联盟商家消费
	EvOther            EventType = "other"             // 其他
)

// EventTypes lists the events with their names and the category their
// rules usually belong to.
var EventTypes = []struct {
	Type     EventType
	ZH, EN   string
	Category Category
}{
	{EvJoined, "入会", "Joined", CatMember},
	{EvBirthday, "生日", "Birthday", CatMember},
	{EvProfileCompleted, "完善资料", "Profile completed", CatMember},
	{EvSiteVisit, "到访看房", "Site visit", CatMarketing},
	{EvReferralVisit, "推荐看房", "Referral visit", CatMarketing},
	{EvReferralPurchase, "推荐购房", "Referral purchase", CatMarketing},
	{EvOnTimePayment, "按时缴款", "On-time payment", CatSales},
	{EvContractSigned, "按时签约", "Contract signed", CatSales},
	{EvSurvey, "问卷调查", "Survey", CatResearch},
	{EvEventAttendance, "参加活动", "Event attendance", CatBrand},
	{EvArticle, "刊物投稿", "Article published", CatBrand},
	{EvMerchantPurchase, "联盟商家消费", "Merchant purchase", CatOther},
	{EvOther, "其他", "Other", CatOther},
}

// Label is the event's name in lang.
func (t EventType) Label(lang string) string {
	for _, e := range EventTypes {
		if e.Type == t {
			return pick([2]string{e.ZH, e.EN}, lang)
		}
	}
	return string(t)
}

// ParseEventType checks an event type code.
func ParseEventType(s string) (EventType, error) {
	for _, e := range EventTypes {
		if string(e.Type) == s {
			return e.Type, nil
		}
	}
	return "", apperr.Field("event_type", "积分事件类型不正确", "unknown event type")
}

// CapPeriod is the period a rule's cap counts over, per member.
type CapPeriod string

// The cap periods; days, months and years are the club's calendar (China
// time), and a plan cap counts over the plan's whole life.
const (
	NoCap    CapPeriod = "none"
	PerDay   CapPeriod = "day"
	PerMonth CapPeriod = "month"
	PerYear  CapPeriod = "year"
	PerPlan  CapPeriod = "plan"
)

// maxRuleNo bounds the rules of one plan.
const maxRuleNo = 200

func pick(l [2]string, lang string) string {
	if lang == "en" {
		return l[1]
	}
	return l[0]
}
