package privacy

import (
	"strings"

	"estateclub/internal/member"
)

// heads turns "中文|English" pairs into the header of lang.
func heads(lang string, pairs ...string) []string {
	out := make([]string, len(pairs))
	for i, p := range pairs {
		zh, en, _ := strings.Cut(p, "|")
		out[i] = tr(lang, zh, en)
	}
	return out
}

func gender(lang, g string) string {
	switch g {
	case "male":
		return tr(lang, "男", "male")
	case "female":
		return tr(lang, "女", "female")
	}
	return g
}

// profileSheet is the member's profile, personal data in clear.
func profileSheet(m *member.Member, p *member.PII, lang string) Sheet {
	field := func(pair, v string) []string { return []string{heads(lang, pair)[0], v} }
	return Sheet{Name: tr(lang, "个人资料", "Profile"), Header: heads(lang, "项目|Field", "内容|Value"), Rows: [][]string{
		field("会员编号|Member number", m.MemberNo),
		field("姓名|Name", m.Name),
		field("性别|Gender", gender(lang, m.Gender)),
		field("手机号|Mobile", p.Mobile),
		field("身份证号|ID number", p.IDNumber),
		field("地址|Address", p.Address),
		field("生日|Birthday", m.Birthday.String()),
		field("电子邮箱|Email", m.Email),
		field("微信|WeChat", m.WeChat),
		field("职业|Occupation", m.Occupation),
		field("标签|Tags", strings.Join(m.Tags, "、")),
		field("会员状态|Status", m.Status.Label(lang)),
		field("会员等级|Tier", m.Tier),
		field("入会途径|Channel", m.Channel.Label(lang)),
		field("入会单位|Joined at", m.NodeName),
		field("入会时间|Joined", when(m.JoinedAt)),
		field("登记时间|Registered", when(&m.CreatedAt)),
	}}
}

func familySheet(m *member.Member, lang string) Sheet {
	sh := Sheet{Name: tr(lang, "家庭成员", "Family"), Header: heads(lang, "关系|Relation", "姓名|Name", "生日|Birthday")}
	for _, f := range m.Family {
		sh.Rows = append(sh.Rows, []string{f.Relation, f.Name, f.Birthday})
	}
	return sh
}

func consentSheet(m *member.Member, lang string) Sheet {
	c := m.Consent
	return Sheet{Name: tr(lang, "联系授权", "Consent"),
		Header: heads(lang, "短信|SMS", "邮件|Email", "邮寄|Post", "授权时间|Given at", "授权方式|How"),
		Rows:   [][]string{{yesNo(lang, c.SMS), yesNo(lang, c.Email), yesNo(lang, c.Post), when(c.At), c.How}}}
}

func propertySheet(m *member.Member, lang string) Sheet {
	sh := Sheet{Name: tr(lang, "房产", "Homes"),
		Header: heads(lang, "项目|Project", "楼栋|Building", "房号|Unit", "签约日期|Contract", "付款日期|Payment", "交付日期|Handover")}
	for _, p := range m.Properties {
		sh.Rows = append(sh.Rows, []string{p.ProjectName, p.Building, p.Unit, p.ContractDate.String(), p.PaymentDate.String(), p.HandoverDate.String()})
	}
	return sh
}
