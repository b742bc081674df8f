// Package transfer imports members from spreadsheets (会员导入) and exports
// member lists to them (会员导出): .xlsx and .csv in UTF-8 or GB18030, columns
// found by their header whatever the sheet calls them, each row all or
// nothing, failed rows reported in a downloadable .xlsx, re-runs that merge
// instead of duplicating.
package transfer

import (
	"strings"
	"unicode"

	"estateclub/internal/member"
	"estateclub/internal/validate"
)

// Field is a column the importer understands. Its value is the field name
// the member package puts in its errors, so an error maps back to a column.
type Field string

// The fields of an import row.
const (
	Name       Field = "name"
	Mobile     Field = "mobile"
	IDNumber   Field = "id_number"
	Birthday   Field = "birthday"
	Gender     Field = "gender"
	Address    Field = "address"
	Email      Field = "email"
	WeChat     Field = "wechat"
	Occupation Field = "occupation"
	Channel    Field = "channel"
	Project    Field = "project"
	Tags       Field = "tags"
	Building   Field = "building"
	Unit       Field = "unit"
)

// Fields lists the fields in the order of the template's columns.
var Fields = []Field{Name, Mobile, Gender, IDNumber, Birthday, Address, Email, WeChat, Occupation, Channel, Project, Tags, Building, Unit}

// column describes one field: its headers in the template and the aliases a
// sheet may use, best first (when a sheet has both 手机 and 电话, 手机 wins).
type column struct {
	zh, en  string
	aliases []string
	help    [2]string // what goes in the column, for the template's 说明 sheet
}

var columns = map[Field]column{
	Name: {"姓名", "Name", []string{"姓名", "客户姓名", "会员姓名", "业主姓名", "客户名称", "名字", "name", "fullname", "membername", "customername"},
		[2]string{"申请入会必填；默认会员可不填", "required for an application; optional for default members"}},
	Mobile: {"手机号码", "Mobile", []string{"手机号码", "手机号", "手机", "移动电话", "联系电话", "电话", "电话号码", "联系方式",
		"mobile", "mobilephone", "mobilenumber", "mobileno", "cellphone", "cell", "phone", "phonenumber", "tel", "telephone"},
		[2]string{"必填，中国大陆 11 位手机号；可带 +86、空格或横线，存为数字也可", "required; an 11-digit mainland China mobile number, +86, spaces, dashes or a number cell are fine"}},
	Gender: {"性别", "Gender", []string{"性别", "gender", "sex"},
		[2]string{"男 / 女（也接受 先生、女士、M、F）；有身份证号时可不填", "男 / 女 (also 先生, 女士, M, F); may be left empty when the ID number is given"}},
	IDNumber: {"身份证号", "ID number", []string{"身份证号码", "身份证号", "身份证", "证件号码", "证件号", "idnumber", "idcard", "idcardnumber", "idno"},
		[2]string{"18 位居民身份证号（15 位旧号也可）；请把该列设为文本", "18-character resident ID number (old 15-digit ones too); format the column as text"}},
	Birthday: {"出生日期", "Birthday", []string{"出生日期", "生日", "出生年月日", "出生年月", "birthday", "dateofbirth", "birthdate", "dob"},
		[2]string{"日期单元格，或 1985-03-02、1985/3/2、1985年3月2日", "a date cell, or 1985-03-02, 1985/3/2, 1985年3月2日"}},
	Address: {"联系地址", "Address", []string{"联系地址", "通讯地址", "地址", "住址", "家庭住址", "家庭地址", "address"},
		[2]string{"最多 200 字", "at most 200 characters"}},
	Email: {"电子邮箱", "Email", []string{"电子邮箱", "邮箱", "电子邮件", "邮件", "email", "mail"},
		[2]string{"如 name@example.com", "e.g. name@example.com"}},
	WeChat: {"微信号", "WeChat", []string{"微信号", "微信", "wechat", "wechatid", "weixin"},
		[2]string{"最多 64 字", "at most 64 characters"}},
	Occupation: {"职业", "Occupation", []string{"职业", "工作", "occupation", "job", "profession"},
		[2]string{"最多 64 字", "at most 64 characters"}},
	Channel: {"入会渠道", "Channel", []string{"入会渠道", "渠道", "入会途径", "来源", "客户来源", "channel", "source"},
		[2]string{"销售现场、购房、客服中心、网上入会、商家联盟、社会招募；不填为销售现场", "sales site, purchase, service centre, online, merchant, public; empty means sales site"}},
	Project: {"所属项目", "Project", []string{"所属项目", "项目", "入会项目", "项目名称", "楼盘", "project", "org", "orgcode"},
		[2]string{"导入时所选组织下的项目或城市公司，填代码或名称；不填为所选组织", "a project or city company under the org chosen for the import, by code or name; empty means that org"}},
	Tags: {"兴趣爱好", "Interests", []string{"兴趣爱好", "兴趣", "爱好", "标签", "兴趣标签", "interests", "interest", "hobbies", "hobby", "tags"},
		[2]string{"多个用顿号、逗号或空格分开，如 高尔夫、亲子", "several separated by 、 , or spaces, e.g. 高尔夫、亲子"}},
	Building: {"楼栋", "Building", []string{"楼栋", "楼栋号", "楼号", "栋", "building"},
		[2]string{"业主的房产：楼栋（与房号、所属项目一起填写）", "the owner's home: building (with the unit and the project)"}},
	Unit: {"房号", "Unit", []string{"房号", "房间号", "单元房号", "unit", "room"},
		[2]string{"业主的房产：房号", "the owner's home: unit"}},
}

// Header is the field's column header in lang ("en" or Chinese).
func (f Field) Header(lang string) string {
	if lang == "en" {
		return columns[f].en
	}
	return columns[f].zh
}

// aliasIndex maps a normalised header to its field and rank among the
// field's aliases.
var aliasIndex = func() map[string]struct {
	field Field
	rank  int
} {
	m := map[string]struct {
		field Field
		rank  int
	}{}
	for f, c := range columns {
		for i, a := range append(c.aliases, c.zh, c.en) {
			k := normHeader(a)
			if _, dup := m[k]; !dup {
				m[k] = struct {
					field Field
					rank  int
				}{f, i}
			}
		}
	}
	return m
}()

// bracketPairs enclose what sheets put in brackets after a header: 手机号码（必填）.
var bracketPairs = [][2]rune{{'(', ')'}, {'（', '）'}, {'[', ']'}, {'【', '】'}, {'<', '>'}}

// normHeader folds the ways one header is written: width, case, spaces,
// punctuation, a required-marker star and a bracketed note.
func normHeader(s string) string {
	s = strings.ToLower(validate.Halfwidth(s))
	for _, p := range bracketPairs {
		if i := strings.IndexRune(s, p[0]); i > 0 {
			if j := strings.IndexRune(s[i:], p[1]); j > 0 {
				s = s[:i] + s[i+j+len(string(p[1])):]
			}
		}
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return r
	}, s)
}

// matchHeader maps the cells of a candidate header row to fields; each
// field takes the column with its best alias, the first one on a tie.
func matchHeader(cells []string) map[Field]int {
	best := map[Field]int{}
	rank := map[Field]int{}
	for i, c := range cells {
		a, ok := aliasIndex[normHeader(c)]
		if !ok {
			continue
		}
		if r, seen := rank[a.field]; !seen || a.rank < r {
			best[a.field], rank[a.field] = i, a.rank
		}
	}
	return best
}

// channelNames maps how sheets write the enrolment channel, normalised like
// headers, to its code. Longer names are tried as substrings after an
// exact match fails, so 销售现场来访 is still the sales site.
var channelNames = []struct {
	name string
	ch   member.Channel
}{
	{"销售现场", member.SalesSite}, {"案场", member.SalesSite}, {"售楼处", member.SalesSite}, {"现场", member.SalesSite},
	{"来访", member.SalesSite}, {"来电", member.SalesSite},
	{"购房", member.Purchase}, {"成交", member.Purchase}, {"业主", member.Purchase},
	{"项目客服中心", member.ServiceCenter}, {"客服中心", member.ServiceCenter}, {"客服", member.ServiceCenter},
	{"网站", member.Online}, {"网上", member.Online}, {"官网", member.Online}, {"线上", member.Online}, {"网络", member.Online},
	{"商家联盟", member.Merchant}, {"联盟商家", member.Merchant}, {"商家", member.Merchant},
	{"社会招募", member.Public}, {"招募", member.Public},
}

// parseChannel reads a channel as written in a sheet: a code, its Chinese or
// English label, or a common Chinese name. Empty means the default.
func parseChannel(s string) (member.Channel, bool) {
	n := normHeader(s)
	if n == "" {
		return "", true
	}
	for _, c := range member.Channels {
		if n == normHeader(string(c)) || n == normHeader(c.Label("zh")) || n == normHeader(c.Label("en")) {
			return c, true
		}
	}
	for _, c := range channelNames {
		if n == c.name {
			return c.ch, true
		}
	}
	for _, c := range channelNames {
		if strings.Contains(n, c.name) {
			return c.ch, true
		}
	}
	return "", false
}
