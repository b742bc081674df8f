package lead

import (
	"strings"
	"unicode"
)

// commonSurnames are the single-character surnames (单姓) borne by nearly
// everyone in China, the most common first. A name that begins with one
// gives the lead its surname when none was typed; anything else (先生,
// 小明, 老王, Tom) gives none, and a status that needs the surname asks
// for it.
const commonSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤" +
	"常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"

// compoundSurnames are the two-character surnames (复姓) still in use.
var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
	"令狐", "澹台", "万俟", "端木", "轩辕", "独孤", "南宫", "西门", "百里", "呼延", "申屠", "太史", "钟离", "闻人", "赫连", "司空"}

// surnameOf returns the surname a Chinese full name begins with (欧阳娜娜:
// 欧阳, 王先生: 王), or "" when the name does not begin with a known
// surname or is not written in Chinese characters.
func surnameOf(name string) string {
	for _, r := range name {
		if !unicode.Is(unicode.Han, r) {
			return ""
		}
	}
	for _, c := range compoundSurnames {
		if strings.HasPrefix(name, c) {
			return c
		}
	}
	first := []rune(name)
	if len(first) > 0 && strings.ContainsRune(commonSurnames, first[0]) {
		return string(first[0])
	}
	return ""
}

// fillSurname gives a lead with a name but no surname the surname its
// name begins with, if any: the one rule for a registration and a change.
func fillSurname(l *Lead) {
	if l.Surname == "" && l.Name != "" {
		l.Surname = surnameOf(l.Name)
	}
}
