"""Write the default lexicon (``default.json``) from vocabulary drawn from the statutes.

Run ``python -m liveguard.screening.lexicon.generate`` after editing the vocabulary. Every word
list below was written for LiveGuard from the clause it serves (no third-party lists): absolute
terms from 广告法 第九条第三项 and the 2023 SAMR guideline's categories, disease and efficacy
terms from 第十六–十八条, investment promises from 第二十五条, private-deal inducement from
直播营销服务规范 7.2.1 d, fake data from 7.3.2.2 g / 7.2.6, insults and threats from 7.3.2.2 h.
:func:`pad` grows a lexicon with brand-like rules to a given size (for the benchmark).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

VERSION = "2026.11.1"
HERE = Path(__file__).parent

ABS_BASIS = "广告法 第九条第三项；直播营销服务规范 7.3.2.2 c"
MED_BASIS = "广告法 第十七条；食品安全法 第七十三条；直播营销服务规范 7.3.2.2 c"
HEALTH_BASIS = "广告法 第十六条第一款第一、二项；第十八条第一款第一项"
RET_BASIS = "广告法 第二十五条第一项；直播营销服务规范 7.3.2.2 c"
OFF_BASIS = "直播营销服务规范 7.2.1 d"
FAKE_BASIS = "直播营销服务规范 7.3.2.2 g、7.2.6；网络交易监督管理办法 第十四条"
INSULT_BASIS = "直播营销服务规范 7.3.2.2 h、6.3.1"
PRESSURE_BASIS = "直播营销服务规范 7.3.2.2 e；网络交易监督管理办法 第十四条"

ABS_EXEMPTIONS = [
    "merchant_aim",
    "same_brand",
    "usage_tip",
    "time_scope",
    "trademark",
    "official_title",
]


def words(text: str) -> list[str]:
    """A whitespace-separated word list."""
    return text.split()


# ------------------------------------------------------------------ absolute terms (9(3))
SUPERLATIVE_ADJ = words(
    """好 佳 优 强 棒 低价 便宜 实惠 划算 超值 先进 高端 顶级 高级 高档 权威 专业 正宗 纯正 安全
    有效 健康 环保 舒适 耐用 好用 好吃 好喝 好看 漂亮 时尚 流行 受欢迎 火 热销 畅销 抢手 靠谱
    可靠 稳定 高效 精准 纯 天然 营养 白 嫩 滋润 保湿 持久 快 轻 薄 强大 牛 厉害 全 齐全 新鲜
    优质 优秀 先进技术 低折扣 保暖 透气 柔软 清爽 香 甜 正 好卖 值 具性价比 有性价比 便捷 方便
    省电 省心 安静 聪明 智能 大牌 奢华 豪华 珍贵 稀有 经典 完美 地道 纯天然 适合 合身 显瘦 美白
    提亮 温和 水润 紧致 抗老 干净 耐磨 结实 牢固 精致 细腻"""
)
SCOPES = words(
    """全网 全国 全球 全世界 世界 行业 业内 业界 同行 同类
    国内 中国 亚洲 天下 宇宙 史上 有史以来 地表 全平台 全城"""
)
SCOPED = words(
    """第一 最低价 最便宜 最好 最强 最佳 最大 领先 独家 首创
    顶尖 冠军 销量第一 排名第一 无敌 唯一 最全 最火 最畅销 最优"""
)
ABS_TERMS = words(
    """国家级 世界级 国际级 宇宙级 全球级 最高级 顶级 顶尖 极品 极致 巅峰 至尊 至臻 王牌 之王 王者
    无敌 万能 独一无二 绝无仅有 史无前例 前所未有 无与伦比 举世无双 空前绝后 第一品牌 销冠
    销量冠军 销售冠军 排名第一 排行第一 遥遥领先 领先品牌 领导品牌 领袖品牌 第一选择 首选
    首选品牌 唯一 永久 永不褪色 永不变形 终身保修 终极 百分百 百分之百 100% 零缺陷 完美无瑕
    无人能及 无可替代 无可比拟 天花板 封神 神品 No1 top1 首个 首家 首款 首创 全网独家 独家配方
    最高品质 最高标准 最高水平 最高档 最高端 最顶级 最先进 最新技术 最新科技 最新科学 最大程度
    最具 最专业 最权威 最受欢迎 最低折扣 最低价格 价格最低 质量最好 效果最好 品质最好 销量最高
    第一名品 老字号第一 国货第一 世界第一 全能 极限 绝对 第一 NO.1"""
)

# ------------------------------------------------------------------ medical (16, 17, 18)
DISEASES = words(
    """高血压 低血压 糖尿病 高血脂 高血糖 高尿酸 痛风 冠心病 心脏病 心肌梗塞 心梗 脑梗 脑血栓 中风
    脑溢血 动脉硬化 血栓 心律失常 心绞痛 贫血 白血病 癌症 癌 肿瘤 癌细胞 肺癌 肝癌 胃癌 乳腺癌
    宫颈癌 鼻咽癌 直肠癌 前列腺癌 甲状腺癌 结节 甲状腺结节 乳腺结节 肺结节 乳腺增生 子宫肌瘤
    卵巢囊肿 妇科炎症 宫颈炎 阴道炎 盆腔炎 月经不调 痛经 不孕 不育 不孕不育 阳痿 早泄 前列腺炎
    前列腺 肾炎 肾病 肾结石 胆结石 结石 尿毒症 肝病 肝炎 乙肝 脂肪肝 肝硬化 胃病 胃炎 胃溃疡
    溃疡 肠炎 结肠炎 便秘 腹泻 痔疮 胃痛 反流 幽门螺杆菌 哮喘 支气管炎 肺炎 咳嗽 感冒 流感 发烧
    鼻炎 咽炎 扁桃体炎 中耳炎 结膜炎 近视 远视 弱视 白内障 青光眼 老花眼 干眼症 失眠 抑郁 抑郁症
    焦虑症 老年痴呆 阿尔茨海默 帕金森 癫痫 头痛 偏头痛 眩晕 神经衰弱 颈椎病 腰椎病 腰间盘突出
    椎间盘突出 关节炎 风湿 类风湿 骨质疏松 骨质增生 骨刺 肩周炎 腱鞘炎 扁平足 痛风石 湿疹 皮炎
    牛皮癣 银屑病 白癜风 荨麻疹 脚气 灰指甲 真菌感染 痤疮 狐臭 脱发 斑秃 秃顶 黄褐斑 色斑 老年斑
    疤痕 妊娠纹 红血丝 玫瑰痤疮 带状疱疹 疱疹 尖锐湿疣 性病 艾滋病 甲亢 甲减 肥胖症 小儿腹泻
    小儿多动症 多动症 自闭症 佝偻病 手足口病 过敏性鼻炎 过敏 肺结核 结核 乙脑 新冠 病毒感染
    细菌感染 炎症 发炎 伤口感染 冻疮 烫伤 口腔溃疡 口臭 牙周炎 牙龈炎 蛀牙 龋齿 牙疼 耳鸣 耳聋
    静脉曲张 水肿 浮肿 内分泌失调 更年期综合征 三高 血管堵塞 心血管病 脑血管病 疾病 顽疾 慢性病
    百病 病根 体内毒素 宿便 湿气重 肾虚 阳虚 阴虚 气血不足 宫寒 痛风病 尿酸高 血压高 血糖高
    血脂高 胆固醇高 胆固醇 尿酸 血压 血糖 血脂 骨折 骨裂 肌肉拉伤 扭伤 腰肌劳损 坐骨神经痛
    三叉神经痛 面瘫 中风后遗症 偏瘫 心衰 心力衰竭 肾衰竭 肾功能不全 蛋白尿 血尿 尿频 尿急 夜尿多
    前列腺增生 肝囊肿 肾囊肿 胆囊炎 胰腺炎 阑尾炎 食道癌 胰腺癌 淋巴癌 骨癌 皮肤癌 血癌 肠癌
    肠息肉 胃息肉 声带息肉 鼻息肉 腺样体肥大 扁桃体肥大 睡眠呼吸暂停 打鼾 慢阻肺 肺气肿 尘肺
    肺纤维化 红斑狼疮 硬皮病 强直性脊柱炎 痛风性关节炎 滑膜炎 足底筋膜炎 网球肘 鼠标手 富贵包
    驼背 脊柱侧弯"""
)
EFFICACY_CUES = words(
    """治 治疗 治好 治愈 根治 医治 疗效 特效 好了 就好 都好 痊愈 康复 缓解 改善 预防 防治 防止 消除
    祛除 去除 调理 降 降低 降下来 抑制 杀死 杀灭 告别 远离 不再 克星 专治 克制 修复 逆转 有效
    管用 见效 搞定 解决 摆脱 赶走 消灭 清除 根除 断根 治住 控制住 稳定住 恢复 好转 减轻 降到
    溶解 化解 排出 排掉 打通 疏通 软化 逆转 不复发 不用吃药"""
)
MED_PHRASES = words(
    """降血压 降血糖 降血脂 降三高 降尿酸 降压 降糖 降脂 抗癌 防癌 治癌 抗肿瘤 消炎 抗炎 抗病毒
    排毒 解毒 清热解毒 活血化瘀 化瘀 补肾 壮阳 安神 治失眠 治疗 治愈 医治 疗效 药效 神药
    灵丹妙药 专治 主治 对症下药 偏方 祖传秘方 秘方 疗程 痊愈 代替药物 替代药物 取代药物 停药
    不用吃药 不用打针 比药还 比吃药 医生推荐 医院推荐 临床证明 临床验证 杀死癌细胞 抑制癌细胞
    增强免疫力 提高免疫力 提升免疫力 护肝 养肝 清肺 润肺止咳 止咳 止痛 镇痛 止血 消肿 杀菌消炎
    溶栓 通血管 软化血管 清理血管 血管清道夫 排结石 溶石 化石 补脑 益智 增高 长高 丰胸 缩阴
    延年益寿 返老还童 抗衰老 逆龄 治脱发 生发 防脱 治湿疹 治痘 减肥 瘦身 燃脂 刮油 排油 降体重
    不反弹"""
)
MED_GUARANTEES = words(
    """根治 断根 包治 包治百病 药到病除 治愈率 有效率 无效退款 永不复发 保证治愈 保证有效 立竿见影
    一次见效 百分百有效 百分之百有效 无副作用 零副作用 没有副作用 绝无副作用 彻底治愈 彻底根治
    一次根治 三天见效 七天见效 当天见效 药到病除 妙手回春 起死回生 万能药"""
)

# ------------------------------------------------------------------ guaranteed returns (25)
RET_TERMS = words(
    """稳赚 稳赚不赔 稳赚不亏 包赚 只赚不赔 只涨不跌 保本 保本保息 保收益 保底收益 保底 无风险
    零风险 没有风险 毫无风险 没有任何风险 不会亏 不会亏本 亏损补偿 全额补偿 亏了补 亏了赔 兜底
    固定收益 固定分红 每月分红 承诺分红 承诺收益 承诺回报 高回报 高收益 翻倍 翻番 翻几倍
    收益翻番 一年翻倍 躺赚 躺着赚钱 躺着就能赚钱 月入过万 日入过千 年入百万 稳赚钱 包你赚钱
    包你赚 必涨 肯定涨 一定涨 绝对升值 肯定升值 一定升值 肯定增值 必定升值 只升不降 稳升
    本息全保 到期还本 本金安全 本金有保障 本金无忧 无风险套利 回报率高达 收益率高达 回本快
    稳收益 稳定收益 收益稳定 只赚不亏 坐等升值 闭眼赚 稳稳赚 赚三倍 赚两倍 赚十倍 十倍收益
    百倍收益 收益保障 保证不亏"""
)
RET_VERBS = words("保证 承诺 确保 包 绝对 肯定 一定 必然 必定")
RET_OBJECTS = words("赚钱 盈利 收益 回报 回本 升值 增值 翻倍 赚 不亏 不赔 涨")

# ------------------------------------------------------------------ private deals (7.2.1 d)
HANDLES = words(
    """{微信} {qq} 电话 手机号 支付宝
    好友 飞机 tg 钉钉 绿泡泡 联系方式"""
)
CUES = words("加 加我 加下 加一下 加个 添加 搜 联系 私 找我 留 留个 给个 发个")
HANDLE_SUFFIX = words("联系 详聊 私聊 同号 聊 沟通 下单 购买 转账 付款 发货 发你 找我")
OFF_TERMS = words(
    """vx wx v信 绿泡泡 私聊 私聊我 私我 私信我 私下交易 私下联系 私下转账 私下交流 私下卖 私下买
    私下付款 私单 线下交易 线下付款 见面交易 见面付款 当面交易 不走平台 绕过平台 平台外交易
    站外交易 直接转账 转账给我 转我 支付宝转 支付宝付款 扫码付款 扫码转账 扫码加 扫码进群
    扫码加群 加我进群 拉你进群 群里更便宜 联系方式在主页 主页有联系方式 看主页联系 看简介联系
    头像有联系方式 滴滴我 私发 内部价 内部渠道 不用拍链接 别在平台 不在平台下单 平台外 找我拿货
    直接找我 单独发货 单独给你发 淘宝搜 某宝搜 拼多多搜 去某宝 站外 私人微信 私人号 小号联系
    加好友私聊 扣扣号 企鹅号 q号 q群 微信群 微信号 vx号 wx号 v信号 进我群 私下给你 私下发 线下见
    走私下 私下走"""
)

# ------------------------------------------------------------------ fake data (7.3.2.2 g, 7.2.6)
FAKE_TERMS = words(
    """刷单 补单 刷手 刷客 代刷 互刷 刷信誉 炒信 刷信用 僵尸粉 真人粉 互粉 互赞 互关 涨粉 快速涨粉
    粉丝秒到 水军 控评 删差评 删除差评 差评改好评 好评返现 好评返 好评送 好评有礼 晒图返现
    晒图好评 五星好评返 五星返现 好评截图 带好评截图 好评红包 返现 返红包 虚假交易 虚假订单
    虚拟下单 冲销量 冲单 机器人刷 假评论 假好评 假销量 假订单 人气代刷 刷一波人气 买好评 卖好评
    刷评 刷量 刷数据 刷访客 刷收藏 刷加购 刷直播间 刷观众 机器粉 假粉 假人气 虚拟人气 刷屏好评
    评论返现 追评返现"""
)
FAKE_VERBS = words("刷 代刷 互刷 买 冲")
FAKE_OBJECTS = words(
    """销量 好评 评论 评价 粉丝 赞 点赞 关注 人气
    流量 播放量 播放 在线人数 观看 热度 信誉 榜 收藏 访客"""
)
METRICS = words(
    """在线人数 人数 人气 销量 粉丝 点赞 播放量 播放 评论
    好评 关注 观看 热度 流量 成交 订单 单量 榜单 数据"""
)

# ------------------------------------------------------------------ insults and threats (7.3.2.2 h)
INSULTS = words(
    """傻逼 傻叉 傻x 傻b sb 二逼 装逼 脑残 智障 弱智 白痴 蠢货 蠢猪 废物 人渣 败类 贱人 贱货 婊子
    绿茶婊 狗东西 狗日的 狗娘养的 王八蛋 混蛋 滚蛋 滚出 滚粗 去死 死全家 全家死 死妈 nmsl
    你妈死了 操你妈 cnm 草泥马 草你妈 日你妈 你妈的 他妈的 tmd tm的 尼玛 你麻痹 mmp 丑八怪
    死胖子 肥猪 穷鬼 穷逼 土鳖 乡巴佬 屌丝 畜生 杂种 骚货 神经病 脑子有病 你有病 有病吧 弄死你
    砍死你 打死你 杀了你 宰了你 捅死你 撕烂你 人肉你 开盒 等着瞧 小心点你 知道你家住哪 让你好看
    就滚 滚吧 滚开 给我滚 滚远点 滚出去 垃圾主播 垃圾玩意 垃圾东西 你是垃圾 什么垃圾 猪脑子
    狗脑子 没脑子 脑子进水 low逼 贱种 死鬼 丧门星 扫把星 死不要脸 不要脸 臭不要脸 恶心死了 下贱
    龟孙 孙子 叼毛 diao丝 煞笔"""
)
INSULT_TARGETS = words("你 你个 你这个 你们 主播 这主播 这个主播 助理 这个人")
INSULT_NOUNS = words(
    """傻逼 脑残 白痴 废物 贱人 垃圾 蠢货 智障 弱智
    蠢猪 人渣 丑八怪 畜生 骗子精 神经病 猪 狗 死胖子"""
)
THREAT_VERBS = words("弄死 砍死 打死 杀了 宰了 捅死 撕烂 废了 灭了 搞死")
THREAT_TARGETS = words("你 你全家 你们 主播 你家人")

# ------------------------------------------------------------------ pressure (7.3.2.2 e)
PRESSURE_TERMS = words(
    """错过再等一年 错过今天再等 错过就没了 错过就没有了 手慢无 不买就亏 不买后悔 不买亏大了
    马上涨价 即将涨价 明天涨价 恢复原价 仅剩最后 只剩最后 永不返场 绝不返场 抢完下架 抢完就下架
    秒没 再不买就没了 最后一次机会 错过不再有 过了今天就没 今天不买明天就 亏本清仓最后 不抢就没"""
)

# ------------------------------------------------------------------ context, synonyms, allow
SYNONYMS = {
    "微信": ["微信", "vx", "wx", "v信", "v", "微", "weixin", "wechat", "威信", "卫星号"],
    "qq": ["qq", "扣扣", "企鹅", "q"],
}
ALLOW = words(
    """最新款 最新版 最新一代 最新到货 最新上市 第一时间 第一次 第一天 第一批 第一代 第一步 第一件
    第二件 第一眼 第一口 第一位 第一场 第一单 第一个 第一名观众 最近 最后一天 最后一件 最后一批
    最后几件 最后一单 最少 最多 最大号 最小号 最大码 最小码 最大尺寸 最小尺寸 最大容量 最高可
    最高优惠 最高减 最高立减 最高返 最低起 最晚 最早 最佳食用 最佳赏味 最佳饮用 最佳使用
    最佳保存 最好放 最好在 最好不要 最好别 最好是 最好用温水 最喜欢 最爱 最想 最期待 一级能效
    特级初榨 一级茶 头等舱 加微辣 加微博 微博 qq糖 qq音乐 qq邮箱 v领 v8 扣扣子 口口声声 牙刷单
    买粉底 买粉色 买粉饼 买粉红 流量卡 流量包 微信支付 微信读书 加购 加购物车 加入购物车 加关注
    加粉丝团 第一滴血 唯一的缺点 唯一缺点 绝对值 啥比较 傻白甜 全网通 全国包邮 全球购 首单 首付
    刷牙 刷新 刷卡 刷屏 刷到你 刷到这个 刷到了你 刷到主播 刷视频 刷抖音 刷快手 刷到你 刷到这个
    刷到了你 刷到主播 刷子 粉刷 刷漆 刷鞋 刷锅 刷碗 刷洗 牙刷 降温 降价 降落 降噪 血压计 血糖仪
    测血压 测血糖 量血压 感冒药 医保 就医 遵医嘱 咨询医生 问医生 孕妇 儿童 保证正品 保证质量
    质量保证 品质保证 七天无理由 包邮 包退 包换 包装 翻倍积分 积分翻倍 返场 私人定制 私人订制
    个人私信 私信客服 官方客服 平台客服 联系客服 客服电话 联系平台 私人物品 加入粉丝群 粉丝群
    粉丝团 第一眼看到"""
)
NEGATION_NOTE = "警示、否定或免责表述（如“不能代替药物”“谨防刷单”）不构成违规"


def rule(
    rid: str, category: str, severity: str, basis: str, patterns: list[str], **extra: Any
) -> dict[str, Any]:
    """One rule as a JSON object (defaults left out)."""
    doc: dict[str, Any] = {
        "id": rid,
        "category": category,
        "severity": severity,
        "basis": basis,
        "patterns": patterns,
    }
    defaults = {"homophones": False, "negatable": True, "questions_exempt": False, "pinyin": True}
    doc.update(
        {k: v for k, v in extra.items() if v not in (None, [], ()) and defaults.get(k, ...) != v}
    )
    return doc


def absolute_rules() -> list[dict[str, Any]]:
    """Absolute terms (广告法 第九条第三项), speech only, with the guideline's exemptions."""
    common = {"sources": ["speech"], "exemptions": ABS_EXEMPTIONS, "negatable": True}
    terms = ["最" + adj for adj in SUPERLATIVE_ADJ] + ABS_TERMS
    terms += [scope + what for scope in SCOPES for what in SCOPED]
    out = []
    for term in dict.fromkeys(terms):
        severity = (
            "high" if term.startswith(("国家级", "全网", "全国", "全球", "世界")) else "medium"
        )
        homophones = len(term) >= 4
        out.append(
            rule(
                f"abs.{term}",
                "absolute_term",
                severity,
                ABS_BASIS,
                [term],
                homophones=homophones,
                **common,
            )
        )
    return out


def medical_rules() -> list[dict[str, Any]]:
    """Disease and efficacy claims for goods that are not drugs (广告法 第十七、十八条)."""
    not_drugs = {"exclude_products": ["drug", "medical_device"], "questions_exempt": True}
    out = [
        rule(
            f"med.disease.{d}",
            "medical_claim",
            "high",
            MED_BASIS,
            [d],
            near={"group": "efficacy", "window": 10},
            **not_drugs,
        )
        for d in dict.fromkeys(DISEASES)
    ]
    for phrase in dict.fromkeys(MED_PHRASES):
        extra = dict(not_drugs)
        if phrase in ("增强免疫力", "提高免疫力", "提升免疫力"):
            extra["exclude_products"] = ["drug", "medical_device", "health_food"]
        out.append(
            rule(f"med.claim.{phrase}", "medical_claim", "high", MED_BASIS, [phrase], **extra)
        )
    # Guarantees of efficacy are banned even for drugs and devices (第十六条第一款).
    out += [
        rule(
            f"med.guarantee.{g}", "medical_claim", "high", HEALTH_BASIS, [g], questions_exempt=True
        )
        for g in dict.fromkeys(MED_GUARANTEES)
    ]
    return out


def return_rules() -> list[dict[str, Any]]:
    """Promises of profit, capital protection or no risk (广告法 第二十五条)."""
    terms = RET_TERMS + [v + o for v in RET_VERBS for o in RET_OBJECTS]
    return [
        rule(
            f"ret.{t}",
            "guaranteed_return",
            "high",
            RET_BASIS,
            [t],
            homophones=len(t) >= 3,
            questions_exempt=True,
        )
        for t in dict.fromkeys(terms)
    ]


def off_platform_rules() -> list[dict[str, Any]]:
    """Inducing private deals: cue + handle, handle + call to act, and phrases (7.2.1 d)."""
    out = []
    for cue in CUES:
        for handle in HANDLES:
            name = cue + handle.strip("{}")
            out.append(
                rule(
                    f"off.{name}",
                    "off_platform_trade",
                    "medium",
                    OFF_BASIS,
                    [cue + handle],
                    homophones=len(name) >= 3,
                )
            )
    for handle in (h for h in HANDLES if h != "好友"):
        for suffix in HANDLE_SUFFIX:
            name = handle.strip("{}") + suffix
            out.append(
                rule(
                    f"off.{name}",
                    "off_platform_trade",
                    "medium",
                    OFF_BASIS,
                    [handle + suffix],
                    homophones=len(name) >= 3,
                )
            )
    out += [
        rule(f"off.{t}", "off_platform_trade", "medium", OFF_BASIS, [t], homophones=len(t) >= 3)
        for t in dict.fromkeys(OFF_TERMS)
    ]
    return _unique(out)


def fake_rules() -> list[dict[str, Any]]:
    """Fake orders, paid reviews, bought followers and traffic (7.3.2.2 g, 7.2.6)."""
    terms = FAKE_TERMS + [v + o for v in FAKE_VERBS for o in FAKE_OBJECTS]
    out = [
        rule(f"fake.{t}", "fake_data", "high", FAKE_BASIS, [t], homophones=len(t) >= 3)
        for t in dict.fromkeys(terms)
    ]
    out.append(
        rule(
            "fake.刷+指标",
            "fake_data",
            "high",
            FAKE_BASIS,
            ["刷"],
            near={"group": "metric", "window": 6},
            note="“刷”与在线人数、销量、粉丝等指标同现",
        )
    )
    return out


def insult_rules() -> list[dict[str, Any]]:
    """Insults, harassment and threats (7.3.2.2 h)."""
    terms = INSULTS + [t + n for t in INSULT_TARGETS for n in INSULT_NOUNS]
    terms += [v + t for v in THREAT_VERBS for t in THREAT_TARGETS]
    out = []
    for term in dict.fromkeys(terms):
        threat = any(term.startswith(v) for v in THREAT_VERBS) or term in (
            "人肉你",
            "开盒",
            "知道你家住哪",
        )
        homophones = len(term) >= 3 or any(c in term for c in "逼笔b傻煞")
        out.append(
            rule(
                f"insult.{term}",
                "insult",
                "high" if threat else "medium",
                INSULT_BASIS,
                [term],
                homophones=homophones,
                negatable=False,
                allow=["啥比较", "啥比例"] if "逼" in term else [],
            )
        )
    return out


def pressure_rules() -> list[dict[str, Any]]:
    """False urgency pressing viewers to buy (7.3.2.2 e), speech only."""
    terms = (
        PRESSURE_TERMS
        + [f"最后{n}分钟" for n in range(1, 11)]
        + [f"最后{n}秒" for n in (10, 30, 60)]
    )
    return [
        rule(f"pressure.{t}", "pressure_tactic", "low", PRESSURE_BASIS, [t], sources=["speech"])
        for t in dict.fromkeys(terms)
    ]


def _unique(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop rules whose id repeats (the first wins)."""
    seen: dict[str, dict[str, Any]] = {}
    for r in rules:
        seen.setdefault(r["id"], r)
    return list(seen.values())


def default_doc() -> dict[str, Any]:
    """The default lexicon document."""
    rules = (
        absolute_rules()
        + medical_rules()
        + return_rules()
        + off_platform_rules()
        + fake_rules()
        + insult_rules()
        + pressure_rules()
    )
    return {
        "format": 1,
        "name": "liveguard-default",
        "version": VERSION,
        "synonyms": SYNONYMS,
        "groups": {"efficacy": EFFICACY_CUES, "metric": METRICS},
        "allow": list(dict.fromkeys(ALLOW)),
        "rules": _unique(rules),
    }


def pad(doc: dict[str, Any], total: int, *, seed: int = 10_000) -> dict[str, Any]:
    """A copy of ``doc`` grown to ``total`` rules with brand-like claims (benchmark only)."""
    rng = random.Random(seed)  # noqa: S311 - padding, not secrets
    pool = [chr(cp) for cp in range(0x4E00, 0x9FA5)]
    rules = list(doc["rules"])
    n = 0
    while len(rules) < total:
        n += 1
        brand = "".join(rng.choice(pool) for _ in range(rng.randint(2, 4)))
        claim = rng.choice(("第一", "最好", "最强", "最佳", "冠军", "领先"))
        rules.append(
            rule(f"pad.{n}", "absolute_term", "low", ABS_BASIS, [brand + claim], sources=["speech"])
        )
    return {**doc, "name": f"{doc['name']}+padding", "rules": rules}


def main() -> None:
    """Write ``default.json``."""
    doc = default_doc()
    (HERE / "default.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
    )
    counts: dict[str, int] = {}
    for r in doc["rules"]:
        counts[r["category"]] = counts.get(r["category"], 0) + 1
    print(f"{len(doc['rules'])} rules: {counts}")


if __name__ == "__main__":
    main()
