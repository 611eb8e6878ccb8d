<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AgentAdminWindow</name>
    <message>
        <location filename="../../ui/agent_admin.py" line="50" />
        <source>Agents and skills</source>
        <extracomment>The largest daily capacity the server takes.</extracomment>
        <translation>坐席与技能</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="53" />
        <source>Team id (empty: all teams)</source>
        <translation>组编号（留空：全部组）</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="54" />
        <source>Reload</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="55" />
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="57" />
        <location filename="../../ui/agent_admin.py" line="86" />
        <source>Agent</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="58" />
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="59" />
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="60" />
        <source>Grade</source>
        <translation>等级</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="61" />
        <location filename="../../ui/agent_admin.py" line="87" />
        <source>Skills</source>
        <translation>技能</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="62" />
        <location filename="../../ui/agent_admin.py" line="88" />
        <source>Tasks a day</source>
        <translation>每日任务数</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="62" />
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="64" />
        <source>Away</source>
        <translation>休假</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="75" />
        <source>No limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="77" />
        <source>Away (gets no new tasks)</source>
        <translation>休假（不分配新任务）</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="78" />
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="79" />
        <source>Save the agent's skills, capacity and away flag (Ctrl+S)</source>
        <translation>保存坐席的技能、日容量和休假状态（Ctrl+S）</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="115" />
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/agent_admin.py" line="126" />
        <source>%n agent(s)</source>
        <translation><numerusform>%n 名坐席</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="145" />
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="151" />
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="156" />
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
    <message>
        <location filename="../../ui/agent_admin.py" line="169" />
        <source>Select an agent</source>
        <translation>请选择坐席</translation>
    </message>
</context>
<context>
    <name>AssignmentRulesPage</name>
    <message>
        <location filename="../../ui/assignment_rules.py" line="45" />
        <source>Round-robin: the team's agents in turn</source>
        <translation>轮流分配：本组坐席依次接收</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="46" />
        <source>Lead tier to agent grade (and skill)</source>
        <translation>线索等级对应坐席等级（及技能）</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="47" />
        <source>Highest score first to the least-loaded agent</source>
        <translation>高分优先，分给负荷最低的坐席</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="49" />
        <source>draft</source>
        <translation>草稿</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="49" />
        <source>published</source>
        <translation>已发布</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="50" />
        <source>retired</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="52" />
        <location filename="../../ui/assignment_rules.py" line="92" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="53" />
        <location filename="../../ui/assignment_rules.py" line="93" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="54" />
        <location filename="../../ui/assignment_rules.py" line="95" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="55" />
        <location filename="../../ui/assignment_rules.py" line="96" />
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="56" />
        <source>Built in</source>
        <translation>内置</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="56" />
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="64" />
        <source>e.g. tier-a-to-seniors</source>
        <translation>例如 tier-a-to-seniors</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="80" />
        <source>grade %1</source>
        <translation>%1 级坐席</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="84" />
        <source>Tier %1 leads go to</source>
        <translation>%1 级线索分给</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="85" />
        <source>The agent must have the policy's skill</source>
        <translation>坐席须具备该政策所需技能</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="94" />
        <source>Description</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="97" />
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="98" />
        <source>Reload</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="99" />
        <source>&amp;Publish</source>
        <translation>发布(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="100" />
        <source>Publish the rule to the server (Ctrl+Return)</source>
        <translation>将规则发布到服务器（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="133" />
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/assignment_rules.py" line="142" />
        <source>%n assignment rule(s)</source>
        <translation><numerusform>%n 条分配规则</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="183" />
        <source>Publishing…</source>
        <translation>正在发布…</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="188" />
        <source>Published %1</source>
        <translation>已发布 %1</translation>
    </message>
    <message>
        <location filename="../../ui/assignment_rules.py" line="194" />
        <source>Not published: %1</source>
        <translation>未发布：%1</translation>
    </message>
</context>
<context>
    <name>AtRiskColumns</name>
    <message>
        <location filename="../../ui/at_risk.py" line="33" />
        <source>High risk · high value</source>
        <translation>高危高值</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="34" />
        <source>High risk · low value</source>
        <translation>高危低值</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="35" />
        <source>Low risk · high value</source>
        <translation>低危高值</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="36" />
        <source>Low risk · low value</source>
        <translation>低危低值</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="49" />
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="50" />
        <source>Mobile</source>
        <translation>手机号</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="51" />
        <source>Quadrant</source>
        <translation>象限</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="52" />
        <source>Churn risk</source>
        <translation>流失风险</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="53" />
        <source>Renewal</source>
        <translation>续约倾向</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="54" />
        <source>Deal</source>
        <translation>成交概率</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="55" />
        <source>Value tier</source>
        <translation>价值层级</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="56" />
        <source>Monthly fee (¥)</source>
        <translation>月费（元）</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="57" />
        <source>Revenue at risk (¥/yr)</source>
        <translation>风险收入（元/年）</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="58" />
        <source>Churn risk × 12 × monthly fee</source>
        <translation>流失风险 × 12 × 月费</translation>
    </message>
</context>
<context>
    <name>AtRiskWidget</name>
    <message>
        <location filename="../../ui/at_risk.py" line="84" />
        <source>All quadrants</source>
        <translation>全部象限</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="99" />
        <source>Retention: high churn risk</source>
        <translation>挽留：流失风险高</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="100" />
        <source>Create retention tasks for the selection</source>
        <translation>为所选客户创建挽留任务</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="102" />
        <source>Reload</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="107" />
        <source>Quadrant</source>
        <translation>象限</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="111" />
        <source>Policy</source>
        <translation>政策</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="111" />
        <source>Rule</source>
        <translation>规则</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="112" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="141" />
        <source>Failed: {m}</source>
        <translation>失败：{m}</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="153" />
        <source>Not exported: {m}</source>
        <translation>未导出：{m}</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/at_risk.py" line="155" />
        <source>Exported %n customers (numbers masked).</source>
        <translation><numerusform>已导出 %n 位客户（号码已脱敏）。</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="168" />
        <source>Select the customers first.</source>
        <translation>请先选择客户。</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="178" />
        <source>{created} retention tasks created ({skipped} already had one); {assigned} assigned, {waiting} waiting in the pool.</source>
        <translation>已创建 {created} 个挽留任务（{skipped} 位已有任务）；已分配 {assigned} 个，{waiting} 个在公海等待。</translation>
    </message>
    <message>
        <location filename="../../ui/at_risk.py" line="184" />
        <source>Refused: {m}</source>
        <translation>被拒绝：{m}</translation>
    </message>
</context>
<context>
    <name>AuditLogWindow</name>
    <message>
        <location filename="../../ui/audit_log.py" line="28" />
        <source>User id</source>
        <translation>用户编号</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="30" />
        <source>Customer id</source>
        <translation>客户编号</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="32" />
        <source>Since (YYYY-MM-DD)</source>
        <translation>起始日期（YYYY-MM-DD）</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="34" />
        <source>Action (e.g. reveal, export, login_failed)</source>
        <translation>操作（如 reveal、export、login_failed）</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="35" />
        <source>Search</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="38" />
        <source>Time (UTC)</source>
        <translation>时间（UTC）</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="39" />
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="40" />
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="41" />
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="42" />
        <source>Rows</source>
        <translation>行数</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="43" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="44" />
        <source>Detail</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../ui/audit_log.py" line="63" />
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/audit_log.py" line="68" />
        <source>%n entries</source>
        <translation><numerusform>%n 条记录</numerusform></translation>
    </message>
</context>
<context>
    <name>CallbackAlerter</name>
    <message>
        <location filename="../../ui/callback_alert.py" line="35" />
        <source> (team)</source>
        <translation>（本组）</translation>
    </message>
    <message>
        <location filename="../../ui/callback_alert.py" line="36" />
        <source>Call-back due: {name}, {when}{who}</source>
        <translation>回访到期：{name}，{when}{who}</translation>
    </message>
    <message>
        <location filename="../../ui/callback_alert.py" line="39" />
        <source> — overdue, released to the team</source>
        <translation> — 已逾期，已释放给本组</translation>
    </message>
    <message>
        <location filename="../../ui/callback_alert.py" line="50" />
        <source>Call-back</source>
        <translation>回访</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <location filename="../../ui/crash_dialog.py" line="28" />
        <source>Agent Workbench — internal error</source>
        <translation>坐席工作台 — 内部错误</translation>
    </message>
    <message>
        <location filename="../../ui/crash_dialog.py" line="35" />
        <source>Crash report</source>
        <translation>错误报告</translation>
    </message>
    <message>
        <location filename="../../ui/crash_dialog.py" line="38" />
        <source>&amp;Copy report</source>
        <translation>复制报告(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../ui/crash_dialog.py" line="39" />
        <source>Copy the crash report</source>
        <translation>复制错误报告</translation>
    </message>
    <message>
        <location filename="../../ui/crash_dialog.py" line="43" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../ui/crash_dialog.py" line="56" />
        <source>The details were written to the log file %1.</source>
        <translation>详细信息已写入日志文件 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/crash_dialog.py" line="57" />
        <source>The details were written to the error output (no log file could be opened).</source>
        <translation>详细信息已写入错误输出（无法打开日志文件）。</translation>
    </message>
    <message>
        <location filename="../../ui/crash_dialog.py" line="59" />
        <source>An internal error occurred: %1</source>
        <translation>发生内部错误：%1</translation>
    </message>
    <message>
        <location filename="../../ui/crash_dialog.py" line="60" />
        <source>Your saved work is safe. Copy the report and send it to your IT support.</source>
        <translation>已保存的工作不受影响。请复制报告并发送给 IT 支持。</translation>
    </message>
    <message>
        <location filename="../../ui/crash_dialog.py" line="68" />
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <location filename="../../ui/dashboard.py" line="133" />
        <source>No data for these filters</source>
        <translation>这些筛选条件下没有数据</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="247" />
        <source>95% CI: {low} – {high}</source>
        <translation>95% 置信区间：{low} – {high}</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="333" />
        <source>Export table (CSV)</source>
        <translation>导出表格 (CSV)</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="333" />
        <source>Export table (Excel)</source>
        <translation>导出表格 (Excel)</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="334" />
        <source>Export charts (PNG)</source>
        <translation>导出图表 (PNG)</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="375" />
        <location filename="../../ui/dashboard.py" line="377" />
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="846" />
        <source>Week</source>
        <translation>周</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="846" />
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="846" />
        <source>Year</source>
        <translation>年</translation>
    </message>
</context>
<context>
    <name>DashboardColumns</name>
    <message>
        <location filename="../../views/dashboard_vm.py" line="51" />
        <location filename="../../views/dashboard_vm.py" line="92" />
        <location filename="../../views/dashboard_vm.py" line="116" />
        <source>Actual / expected</source>
        <extracomment>Metrics offered for rankings and trends, in menu order.</extracomment>
        <translation>实际 / 预期</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="52" />
        <location filename="../../views/dashboard_vm.py" line="89" />
        <location filename="../../views/dashboard_vm.py" line="115" />
        <location filename="../../views/dashboard_vm.py" line="150" />
        <location filename="../../views/dashboard_vm.py" line="175" />
        <source>Conversions</source>
        <translation>成交</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="53" />
        <source>Expected conversions</source>
        <translation>预期成交</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="54" />
        <location filename="../../views/dashboard_vm.py" line="93" />
        <location filename="../../views/dashboard_vm.py" line="151" />
        <location filename="../../views/dashboard_vm.py" line="161" />
        <location filename="../../views/dashboard_vm.py" line="176" />
        <source>Conversion rate</source>
        <translation>成交率</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="55" />
        <location filename="../../views/dashboard_vm.py" line="86" />
        <location filename="../../views/dashboard_vm.py" line="114" />
        <location filename="../../views/dashboard_vm.py" line="148" />
        <source>Calls</source>
        <translation>呼叫数</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="56" />
        <location filename="../../views/dashboard_vm.py" line="87" />
        <source>Reached</source>
        <translation>已接通</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="57" />
        <location filename="../../views/dashboard_vm.py" line="94" />
        <source>Talk time</source>
        <translation>通话时长</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="58" />
        <source>Avg call duration</source>
        <translation>平均通话时长</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="59" />
        <location filename="../../views/dashboard_vm.py" line="96" />
        <source>Cost (¥)</source>
        <translation>成本（元）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="60" />
        <source>Cost per call (¥)</source>
        <translation>单次通话成本（元）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="61" />
        <source>Cost per conversion (¥)</source>
        <translation>单笔成交成本（元）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="62" />
        <location filename="../../views/dashboard_vm.py" line="99" />
        <location filename="../../views/dashboard_vm.py" line="117" />
        <location filename="../../views/dashboard_vm.py" line="142" />
        <location filename="../../views/dashboard_vm.py" line="154" />
        <source>Deal value (¥)</source>
        <translation>成交金额（元）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="68" />
        <source>Month</source>
        <extracomment>Breakdown dimensions offered, in menu order, with English source titles.</extracomment>
        <translation>月</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="69" />
        <source>Week</source>
        <translation>周</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="70" />
        <source>Day</source>
        <translation>日</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="71" />
        <location filename="../../views/dashboard_vm.py" line="147" />
        <source>Region</source>
        <translation>地区</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="72" />
        <source>City</source>
        <translation>城市</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="73" />
        <location filename="../../views/dashboard_vm.py" line="157" />
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="74" />
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="75" />
        <source>Age band</source>
        <translation>年龄段</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="76" />
        <source>Job type</source>
        <translation>职业</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="77" />
        <location filename="../../views/dashboard_vm.py" line="137" />
        <source>Policy</source>
        <translation>政策</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="78" />
        <location filename="../../views/dashboard_vm.py" line="138" />
        <source>Product</source>
        <translation>产品</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="79" />
        <source>Value tier</source>
        <translation>价值层级</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="80" />
        <source>Lifecycle stage</source>
        <translation>生命周期</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="81" />
        <location filename="../../views/dashboard_vm.py" line="106" />
        <source>Agent</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="82" />
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="88" />
        <source>Reach rate</source>
        <translation>接通率</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="90" />
        <source>Expected</source>
        <translation>预期</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="91" />
        <source>Sum of the customers' predicted deal probabilities at first contact</source>
        <translation>首次接触时客户预测成单概率之和</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="95" />
        <source>Avg duration</source>
        <translation>平均时长</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="97" />
        <source>Cost / call (¥)</source>
        <translation>单次通话成本（元）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="98" />
        <source>Cost / conversion (¥)</source>
        <translation>单笔成交成本（元）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="105" />
        <source>Rank</source>
        <extracomment>Column specs of every table the dashboards show, by table name of :class:`PageResult`.</extracomment>
        <translation>排名</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="107" />
        <source>Grade</source>
        <translation>等级</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="108" />
        <source>The server's grade A/B/C: actual vs expected conversions over 90 days, shrunk toward the team average</source>
        <translation>服务器评定的坐席等级 A/B/C：近 90 天实际与预期成交之比，样本少时向本组平均收缩</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="112" />
        <location filename="../../views/dashboard_vm.py" line="127" />
        <source>Period</source>
        <translation>周期</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="113" />
        <source>This period</source>
        <translation>本期</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="118" />
        <location filename="../../views/dashboard_vm.py" line="190" />
        <source>Previous period</source>
        <translation>上期</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="119" />
        <source>Calls (prev.)</source>
        <translation>呼叫数（上期）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="120" />
        <source>Conversions (prev.)</source>
        <translation>成交（上期）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="121" />
        <source>Actual / expected (prev.)</source>
        <translation>实际 / 预期（上期）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="122" />
        <source>Deal value (prev., ¥)</source>
        <translation>成交金额（上期，元）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="123" />
        <source>Conversions change</source>
        <translation>成交环比</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="124" />
        <source>Deal value change</source>
        <translation>成交金额环比</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="131" />
        <source>Group</source>
        <translation>分组</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="133" />
        <location filename="../../views/dashboard_vm.py" line="152" />
        <source>Share of calls</source>
        <translation>通话占比</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="134" />
        <location filename="../../views/dashboard_vm.py" line="153" />
        <source>Share of conversions</source>
        <translation>成交占比</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="139" />
        <source>Offers</source>
        <translation>推荐次数</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="140" />
        <source>Deals</source>
        <translation>成交</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="141" />
        <source>Deals / offers</source>
        <translation>成交 / 推荐</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="143" />
        <location filename="../../views/dashboard_vm.py" line="164" />
        <source>Avg deal value (¥)</source>
        <translation>平均成交金额（元）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="144" />
        <source>Accepted, all channels</source>
        <translation>全渠道办理数</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="149" />
        <location filename="../../views/dashboard_vm.py" line="159" />
        <location filename="../../views/dashboard_vm.py" line="168" />
        <source>Customers</source>
        <translation>客户</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="158" />
        <source>Contacts</source>
        <translation>接触数</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="160" />
        <source>Customers gained</source>
        <translation>获客数</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="162" />
        <source>Avg cost / contact (¥)</source>
        <translation>平均每次接触成本（元）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="163" />
        <source>Avg cost / customer gained (¥)</source>
        <translation>平均获客成本（元）</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="167" />
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="169" />
        <source>Of contacted</source>
        <translation>占已接触</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="170" />
        <source>Of previous stage</source>
        <translation>占上一阶段</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="173" />
        <source>Assignment rule</source>
        <translation>分配规则</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="174" />
        <source>Leads</source>
        <translation>线索数</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="177" />
        <source>95% CI low</source>
        <translation>95% 置信区间下限</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="178" />
        <source>95% CI high</source>
        <translation>95% 置信区间上限</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="179" />
        <source>Difference vs first rule</source>
        <translation>与第一条规则之差</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="180" />
        <source>Conversion rate minus the first (reference) rule's, in percentage points</source>
        <translation>转化率减去第一条（对照）规则的转化率，单位为百分点</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="181" />
        <source>Difference 95% CI low</source>
        <translation>差值 95% 置信区间下限</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="182" />
        <source>Difference 95% CI high</source>
        <translation>差值 95% 置信区间上限</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="183" />
        <source>Significant</source>
        <translation>显著</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="184" />
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="184" />
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="185" />
        <source>Lift vs first rule</source>
        <translation>相对第一条规则提升</translation>
    </message>
    <message>
        <location filename="../../views/dashboard_vm.py" line="190" />
        <source>Change vs previous</source>
        <translation>环比变化</translation>
    </message>
</context>
<context>
    <name>DashboardWidget</name>
    <message>
        <location filename="../../ui/dashboard.py" line="384" />
        <source>Contacted</source>
        <translation>已接触</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="385" />
        <source>Reached</source>
        <translation>已接通</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="386" />
        <source>Interested</source>
        <translation>有意向</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="387" />
        <source>Accepted</source>
        <translation>已办理</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="403" />
        <source>Dashboards</source>
        <translation>看板</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="413" />
        <source>Personal efficiency</source>
        <translation>个人效能</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="414" />
        <source>Trends</source>
        <translation>趋势</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="415" />
        <source>Breakdowns</source>
        <translation>业务分析</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="416" />
        <source>Rule experiments</source>
        <translation>分配规则实验</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="447" />
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="447" />
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="449" />
        <location filename="../../ui/dashboard.py" line="633" />
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="449" />
        <location filename="../../ui/dashboard.py" line="630" />
        <source>Region</source>
        <translation>地区</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="449" />
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="450" />
        <source>Age band</source>
        <translation>年龄段</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="450" />
        <source>Job type</source>
        <translation>职业</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="450" />
        <source>Product</source>
        <translation>产品</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="451" />
        <source>Value tier</source>
        <translation>价值层级</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="451" />
        <source>Lifecycle stage</source>
        <translation>生命周期</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="454" />
        <source>Agent</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="456" />
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="461" />
        <location filename="../../ui/dashboard.py" line="537" />
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="469" />
        <source>Clear filters</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="471" />
        <source>Reload data</source>
        <translation>重新加载数据</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="472" />
        <source>Read the contact history again from the local store (after a sync)</source>
        <translation>从本地库重新读取接触记录（同步之后）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="492" />
        <source>Any</source>
        <translation>不限</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="530" />
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="552" />
        <source>Rank by</source>
        <translation>排序依据</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="555" />
        <source>Conversions vs expected, by agent</source>
        <translation>各客户经理：实际成交 vs 预期成交</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="555" />
        <location filename="../../ui/dashboard.py" line="593" />
        <location filename="../../ui/dashboard.py" line="621" />
        <source>Customers converted (count)</source>
        <translation>成交客户数</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="556" />
        <location filename="../../ui/dashboard.py" line="560" />
        <location filename="../../ui/dashboard.py" line="563" />
        <location filename="../../ui/dashboard.py" line="566" />
        <source>Agent (ranked)</source>
        <translation>客户经理（按排名）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="557" />
        <location filename="../../ui/dashboard.py" line="594" />
        <location filename="../../ui/dashboard.py" line="622" />
        <source>Actual</source>
        <translation>实际</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="558" />
        <location filename="../../ui/dashboard.py" line="595" />
        <location filename="../../ui/dashboard.py" line="623" />
        <source>Expected</source>
        <translation>预期</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="559" />
        <source>Actual / expected conversions</source>
        <translation>实际 / 预期成交</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="559" />
        <location filename="../../ui/dashboard.py" line="596" />
        <source>Ratio (1 = as predicted)</source>
        <translation>比值（1 = 与预测一致）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="561" />
        <location filename="../../ui/dashboard.py" line="597" />
        <source>Actual / expected</source>
        <translation>实际 / 预期</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="562" />
        <location filename="../../ui/dashboard.py" line="598" />
        <source>as predicted</source>
        <translation>与预测一致</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="563" />
        <source>Cost per call and per conversion</source>
        <translation>单次通话成本与单笔成交成本</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="563" />
        <source>Cost (¥)</source>
        <translation>成本（元）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="564" />
        <source>Cost per call</source>
        <translation>单次通话成本</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="565" />
        <source>Cost per conversion</source>
        <translation>单笔成交成本</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="566" />
        <source>Average call duration</source>
        <translation>平均通话时长</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="566" />
        <source>Duration (minutes)</source>
        <translation>时长（分钟）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="567" />
        <source>Avg duration</source>
        <translation>平均时长</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="573" />
        <source>Agent ranking</source>
        <translation>客户经理排名</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="574" />
        <source>This vs previous week / month / year</source>
        <translation>本期 vs 上期（周 / 月 / 年）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="583" />
        <source>Week</source>
        <translation>周</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="583" />
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="583" />
        <source>Year</source>
        <translation>年</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="584" />
        <location filename="../../ui/dashboard.py" line="590" />
        <location filename="../../ui/dashboard.py" line="593" />
        <location filename="../../ui/dashboard.py" line="596" />
        <location filename="../../ui/dashboard.py" line="624" />
        <source>Period</source>
        <translation>周期</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="587" />
        <source>Metric</source>
        <translation>指标</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="590" />
        <source>Metric by period, beside the previous period</source>
        <translation>各周期指标（与上期对比）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="591" />
        <source>Previous period</source>
        <translation>上期</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="592" />
        <source>This period</source>
        <translation>本期</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="593" />
        <source>Conversions vs expected</source>
        <translation>实际成交 vs 预期成交</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="596" />
        <source>Actual / expected by period</source>
        <translation>各周期实际 / 预期</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="618" />
        <source>Break down by</source>
        <translation>分析维度</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="621" />
        <source>Conversions vs expected by group</source>
        <translation>各分组实际 vs 预期成交</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="624" />
        <source>Conversion trend</source>
        <translation>成交趋势</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="624" />
        <location filename="../../ui/dashboard.py" line="656" />
        <location filename="../../ui/dashboard.py" line="657" />
        <source>Conversion rate (%)</source>
        <translation>成交率（%）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="625" />
        <source>Conversion rate</source>
        <translation>成交率</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="626" />
        <source>Contact-to-deal funnel</source>
        <translation>接触到成交漏斗</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="626" />
        <source>Customers (count)</source>
        <translation>客户数</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="626" />
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="627" />
        <source>Customers</source>
        <translation>客户</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="628" />
        <location filename="../../ui/dashboard.py" line="641" />
        <source>Hot products</source>
        <translation>热销产品</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="628" />
        <source>Deals (count)</source>
        <translation>成交笔数</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="629" />
        <source>Deals</source>
        <translation>成交</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="630" />
        <source>Region distribution</source>
        <translation>地区分布</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="630" />
        <source>Share (%)</source>
        <translation>占比（%）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="631" />
        <source>Share of calls</source>
        <translation>通话占比</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="632" />
        <source>Share of conversions</source>
        <translation>成交占比</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="633" />
        <source>Channel comparison</source>
        <translation>渠道对比</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="633" />
        <source>Amount (¥)</source>
        <translation>金额（元）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="634" />
        <source>Avg cost / customer gained</source>
        <translation>获客平均成本</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="635" />
        <source>Avg deal value</source>
        <translation>平均成交价值</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="641" />
        <source>Breakdown</source>
        <translation>分析</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="642" />
        <source>Regions</source>
        <translation>地区</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="642" />
        <source>Channels</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="642" />
        <source>Funnel</source>
        <translation>漏斗</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="655" />
        <source>Conversion by assignment rule (95% confidence interval)</source>
        <translation>各分配规则成交率（95% 置信区间）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="656" />
        <source>Assignment rule</source>
        <translation>分配规则</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="683" />
        <source>Computing…</source>
        <translation>计算中…</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="684" />
        <source>Loading the contact history…</source>
        <translation>正在加载接触记录…</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="687" />
        <source>Could not compute: {0}</source>
        <translation>无法计算：{0}</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="704" />
        <source>{contacts} contacts · {customers} customers · {conversions} conversions vs {expected} expected (ratio {ratio}) · deal value {value}</source>
        <translation>{contacts} 次接触 · {customers} 位客户 · 成交 {conversions} 笔，预期 {expected} 笔（比值 {ratio}）· 成交金额 {value}</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="717" />
        <source>Updated: {0} contacts in {1:.2f} s</source>
        <translation>已更新：{0} 次接触，用时 {1:.2f} 秒</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="738" />
        <source>{0} by period, beside the previous period</source>
        <translation>各周期{0}（与上期对比）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="749" />
        <source>{0} (minutes)</source>
        <translation>{0}（分钟）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="773" />
        <source>Conversions vs expected by {0}</source>
        <translation>按{0}：实际 vs 预期成交</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="803" />
        <source>No assignment-rule experiment has been recorded yet.</source>
        <translation>尚未记录分配规则实验。</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="805" />
        <source>{leads} leads split at random between {rules} assignment rules; bars show the conversion rate, whiskers its 95% confidence interval.</source>
        <translation>{leads} 条线索随机分配给 {rules} 条分配规则；柱形为成交率，误差线为 95% 置信区间。</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="827" />
        <source>CSV (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="827" />
        <source>Excel (*.xlsx)</source>
        <translation>Excel 文件 (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="827" />
        <source>PNG image (*.png)</source>
        <translation>PNG 图片 (*.png)</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="829" />
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="840" />
        <source>Exported to {0}</source>
        <translation>已导出到 {0}</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="842" />
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="842" />
        <source>Could not export: {0}</source>
        <translation>无法导出：{0}</translation>
    </message>
</context>
<context>
    <name>LimitsPage</name>
    <message>
        <location filename="../../ui/policy_studio.py" line="554" />
        <location filename="../../ui/policy_studio.py" line="580" />
        <source>ID</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="555" />
        <location filename="../../ui/policy_studio.py" line="581" />
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="556" />
        <location filename="../../ui/policy_studio.py" line="582" />
        <source>Period</source>
        <translation>周期</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="557" />
        <location filename="../../ui/policy_studio.py" line="583" />
        <source>At most</source>
        <translation>最多</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="559" />
        <source>Quiet hours</source>
        <translation>免打扰时段</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="561" />
        <location filename="../../ui/policy_studio.py" line="586" />
        <source>Cool-down (days)</source>
        <translation>冷却期（天）</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="584" />
        <source>Quiet from</source>
        <translation>免打扰开始</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="585" />
        <source>Quiet until</source>
        <translation>免打扰结束</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="587" />
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="588" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../ui/dialogs.py" line="32" />
        <source>Agent Workbench — log in</source>
        <translation>坐席工作台 — 登录</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="45" />
        <source>&amp;Server</source>
        <translation>服务器(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="46" />
        <source>&amp;User name</source>
        <translation>用户名(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="47" />
        <source>&amp;Password</source>
        <translation>密码(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="51" />
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="67" />
        <source>Enter your user name and password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="70" />
        <source>Logging in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="86" />
        <source>Too many failed logins. Try again after %1 (in %2 s).</source>
        <translation>登录失败次数过多，请在 %1 之后再试（%2 秒后）。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="94" />
        <source>You can try again now.</source>
        <translation>现在可以再次登录。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ui/main_window.py" line="237" />
        <source>Agent Workbench — {name} ({role})</source>
        <translation>坐席工作台 — {name}（{role}）</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="243" />
        <location filename="../../ui/main_window.py" line="367" />
        <source>Mobile</source>
        <translation>手机号</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="244" />
        <source>Member no.</source>
        <translation>会员号</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="246" />
        <source>ID number (on the server)</source>
        <translation>身份证号（服务器查询）</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="249" />
        <source>Customer arrives / search: mobile, member no. or ID (Ctrl+F)</source>
        <translation>客户到厅 / 查询：手机号、会员号或证件号 (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="250" />
        <source>Search a customer by mobile (Ctrl+F)</source>
        <translation>按手机号查询客户 (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="254" />
        <source>Search</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="277" />
        <source>My work</source>
        <translation>我的工作</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="285" />
        <source>Waiting for a call… (a call, a search or a task opens the customer here)</source>
        <translation>等待来电…（来电、查询或任务会在这里打开客户）</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="292" />
        <location filename="../../ui/main_window.py" line="747" />
        <source>Welcome</source>
        <translation>欢迎</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="297" />
        <source>Sync: starting…</source>
        <translation>同步：启动中…</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="307" />
        <source>&amp;Workbench</source>
        <translation>工作台(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="308" />
        <source>Refresh work list</source>
        <translation>刷新工作列表</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="312" />
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="317" />
        <source>Dial the customer</source>
        <translation>拨打客户</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="321" />
        <source>Export work list…</source>
        <translation>导出工作清单…</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="325" />
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="327" />
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="343" />
        <source>Dialling {n}…</source>
        <translation>正在拨打 {n}…</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="357" />
        <source>Call-back due</source>
        <translation>回访到期</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="357" />
        <source>Call-back</source>
        <translation>回访</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="359" />
        <source>Work order: {s}</source>
        <translation>工单：{s}</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="361" />
        <source>{channel} · back to the pool {when}</source>
        <translation>{channel} · {when} 退回公海</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="366" />
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="368" />
        <source>Policy</source>
        <translation>政策</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="369" />
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="370" />
        <source>Appointment</source>
        <translation>预约时间</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="374" />
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="375" />
        <source>Deal p.</source>
        <translation>成单率</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="377" />
        <source>Updated</source>
        <translation>更新时间</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="381" />
        <source>Export work list</source>
        <translation>导出工作清单</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="382" />
        <source>CSV (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="432" />
        <source>&amp;Dashboards</source>
        <translation>效能看板(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="435" />
        <source>&amp;At-risk list</source>
        <translation>流失预警名单(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="438" />
        <source>&amp;Policy studio</source>
        <translation>政策配置(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="441" />
        <source>&amp;Audit log</source>
        <translation>审计日志(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="444" />
        <source>A&amp;gents and skills</source>
        <translation>坐席与技能(&amp;G)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="466" />
        <source>A team lead can override this.</source>
        <translation>班组长可以放行。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="467" />
        <source>Call not allowed</source>
        <translation>不允许外呼</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="468" />
        <source>This call may not start now:</source>
        <translation>现在不能发起这通电话：</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="475" />
        <source>Override contact pressure</source>
        <translation>放行接触管控</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="476" />
        <source>Reason for the override (recorded):</source>
        <translation>放行原因（将被记录）：</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="663" />
        <source>Refreshing scores</source>
        <translation>正在更新评分</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="667" />
        <source>A new scoring model could not be loaded; the previous one stays in use: {m}</source>
        <translation>新评分模型无法加载，继续使用旧模型：{m}</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="680" />
        <source>No customer found for {q}</source>
        <translation>未找到客户：{q}</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="694" />
        <source>New lead saved</source>
        <translation>新线索已保存</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="712" />
        <source>Outcome saved</source>
        <translation>结果已保存</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="718" />
        <source>; call-back closed</source>
        <translation>；回访已关闭</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="722" />
        <source>; call-back at {when}</source>
        <translation>；回访时间 {when}</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="725" />
        <source> (moved from {asked}: {why})</source>
        <translation>（由 {asked} 顺延：{why}）</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="733" />
        <source>Not saved</source>
        <translation>未保存</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window.py" line="759" />
        <source>Online · %n waiting · last sync {t}</source>
        <translation><numerusform>在线 · %n 条待上传 · 上次同步 {t}</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window.py" line="761" />
        <source>Offline — showing local data, %n change(s) waiting</source>
        <translation><numerusform>离线 — 显示本地数据，%n 条变更待上传</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window.py" line="763" />
        <source> · %n refused by the server</source>
        <translation><numerusform> · %n 条被服务器拒绝</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window.py" line="767" />
        <source>Syncing… %n record(s)</source>
        <translation><numerusform>同步中… %n 条记录</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="795" />
        <source>No softphone connected (hover here for how to connect one)</source>
        <translation>未连接软电话（鼠标停在此处查看连接方法）</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="797" />
        <source>Start a softphone with a control port, e.g. baresip with its ctrl_tcp module listening on %1; the workbench connects to it by itself. Without one, calls still pop from the server, a search, or `workbench call NUMBER`, and you dial by hand. (softphone_host / softphone_port in the settings; port 0 turns this off)</source>
        <translation>启动一个带控制端口的软电话，例如开启 ctrl_tcp 模块、监听 %1 的 baresip，工作台会自动连接。没有软电话时，来电仍可由服务器、搜索或 `workbench call 号码` 弹屏，拨号请手动进行。（设置项 softphone_host / softphone_port；端口设为 0 即关闭此功能）</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="805" />
        <source>No softphone connected: dial the number by hand.</source>
        <translation>未连接软电话：请手动拨号。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="807" />
        <source>The softphone could not carry out “%1”.</source>
        <translation>软电话无法执行“%1”。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="812" />
        <source>Calls from other programs cannot reach this window (its local socket is taken).</source>
        <translation>其他程序转来的来电无法到达本窗口（本地套接字已被占用）。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="817" />
        <source>softphone_port is 0 in the settings: calls pop from the server, a search or `workbench call NUMBER`; you dial by hand.</source>
        <translation>设置中 softphone_port 为 0：来电由服务器、搜索或 `workbench call 号码` 弹屏，拨号请手动进行。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="771" />
        <source>Language saved: it takes effect the next time the workbench starts.</source>
        <translation>语言已保存：下次启动工作台时生效。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="790" />
        <source>Softphone connected</source>
        <translation>软电话已连接</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="816" />
        <source>No softphone configured</source>
        <translation>未配置软电话</translation>
    </message>
</context>
<context>
    <name>NewLeadDialog</name>
    <message>
        <location filename="../../ui/dialogs.py" line="102" />
        <source>Unknown caller — new lead</source>
        <translation>未知来电 — 新建线索</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="105" />
        <source>Name, or e.g. 'Mr Wang'</source>
        <translation>姓名，或如"王先生"</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="111" />
        <source>&amp;Number</source>
        <translation>号码(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="112" />
        <source>N&amp;ame</source>
        <translation>姓名(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="113" />
        <source>&amp;City</source>
        <translation>城市(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="114" />
        <source>N&amp;ote</source>
        <translation>备注(&amp;O)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="119" />
        <source>Nobody with this number is known here or on the server.</source>
        <translation>本地和服务器都没有这个号码的客户。</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="127" />
        <source>Enter a name.</source>
        <translation>请输入姓名。</translation>
    </message>
</context>
<context>
    <name>OutcomeForm</name>
    <message>
        <location filename="../../ui/outcome_form.py" line="81" />
        <source>Outcome</source>
        <translation>接触结果</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="82" />
        <source>F9 comes here from anywhere in the window</source>
        <translation>在窗口任何位置按 F9 可回到此处</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="92" />
        <source>— choose the outcome —</source>
        <translation>— 请选择结果 —</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="102" />
        <source>Send hang-up SMS (Alt+M)</source>
        <translation>发送挂机短信（Alt+M）</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="103" />
        <source>After the call, the chosen policy's SMS with the customer's personal link to the online zone (sent once, after sync; pressure checked first)</source>
        <translation>通话结束后，向客户发送所选政策的短信及其网厅专属链接（同步后只发送一次；先检查接触管控）</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="108" />
        <source>Short note (Enter saves)</source>
        <translation>简短备注（回车保存）</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="110" />
        <source>Call &amp;back at</source>
        <translation>回访时间(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="123" />
        <source>Anyone in my team</source>
        <translation>本组任何人</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="125" />
        <source>The call-back comes back to everyone in the team, not only to you</source>
        <translation>回访提醒给全组的人，而不只是您</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="127" />
        <source>&amp;Transfer to store</source>
        <translation>转营业厅(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="131" />
        <location filename="../../ui/outcome_form.py" line="224" />
        <source>Note for the store</source>
        <translation>给营业厅的备注</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="135" />
        <source>14:30, +1 10:00 or 12-05 14:30</source>
        <translation>14:30、+1 10:00 或 12-05 14:30</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="138" />
        <source>When the customer will come to the store (Beijing time): a time today, +days and a time, or a date and a time. Empty: no appointment.</source>
        <translation>客户到店的时间（北京时间）：今天的时间、+天数和时间，或日期和时间。留空表示不预约。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/outcome_form.py" line="143" />
        <source>%n min</source>
        <translation><numerusform>%n 分钟</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="148" />
        <source>&amp;Save (Enter)</source>
        <translation>保存(&amp;S)（回车）</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="151" />
        <source>&amp;Undo (Ctrl+Z)</source>
        <translation>撤销(&amp;U)（Ctrl+Z）</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="158" />
        <source>&amp;Wrap-up</source>
        <translation>小结(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="159" />
        <source>&amp;Intent</source>
        <translation>办理意向(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="160" />
        <source>&amp;Policy</source>
        <translation>政策(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="162" />
        <source>&amp;Note</source>
        <translation>备注(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="170" />
        <source>&amp;Appointment</source>
        <translation>预约到店(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="220" />
        <source>Outcome of the call</source>
        <translation>通话结果</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="220" />
        <source>Customer's intent</source>
        <translation>客户意向</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="221" />
        <source>Policy discussed</source>
        <translation>所谈政策</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="221" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="222" />
        <source>Call back</source>
        <translation>回访</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="222" />
        <source>Call-back time</source>
        <translation>回访时间</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="223" />
        <source>Transfer to a store</source>
        <translation>转营业厅</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="223" />
        <source>Store</source>
        <translation>营业厅</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="225" />
        <source>Appointment at the store</source>
        <translation>预约到店时间</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="225" />
        <source>Length of the visit</source>
        <translation>到店时长</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="226" />
        <source>Save the outcome</source>
        <translation>保存接触结果</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="227" />
        <source>Undo the last saved outcome</source>
        <translation>撤销上次保存的结果</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="230" />
        <source>Outcome form</source>
        <translation>接触结果表单</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="231" />
        <source>Save status</source>
        <translation>保存状态</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="264" />
        <location filename="../../ui/outcome_form.py" line="321" />
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="406" />
        <source>Appointment: type a time such as 14:30, +1 10:00 or 12-05 14:30.</source>
        <translation>预约时间：请输入如 14:30、+1 10:00 或 12-05 14:30 的时间。</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="408" />
        <source>Appointment: that time has passed; choose a later one.</source>
        <translation>预约时间：该时间已过，请选择更晚的时间。</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="410" />
        <source>Appointment: at most {days} days ahead.</source>
        <translation>预约时间：最多提前 {days} 天。</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="412" />
        <source>Appointment: the store takes visits from {opens} to {closes}.</source>
        <translation>预约时间：营业厅接待时间为 {opens} 至 {closes}。</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="415" />
        <source>Appointment: the visit lasts {lo} to {hi} minutes.</source>
        <translation>预约时间：到店时长须为 {lo} 至 {hi} 分钟。</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="417" />
        <source>Appointment: not a valid time.</source>
        <translation>预约时间：不是有效的时间。</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="461" />
        <source>Choose how the contact ended (wrap-up) first.</source>
        <translation>请先选择接触结果（小结）。</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="492" />
        <source>Undone.</source>
        <translation>已撤销。</translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="492" />
        <source>Too late to undo: already sent.</source>
        <translation>无法撤销：已经上传。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/outcome_form.py" line="497" />
        <source>Saved. Ctrl+Z undoes it (%n s).</source>
        <translation><numerusform>已保存。Ctrl+Z 可撤销（%n 秒）。</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/outcome_form.py" line="499" />
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
</context>
<context>
    <name>PolicyStudio</name>
    <message>
        <location filename="../../ui/policy_studio.py" line="68" />
        <source>Policy studio</source>
        <translation>政策配置</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="73" />
        <location filename="../../ui/policy_studio.py" line="128" />
        <source>ID</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="74" />
        <location filename="../../ui/policy_studio.py" line="129" />
        <location filename="../../ui/policy_studio.py" line="149" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="75" />
        <location filename="../../ui/policy_studio.py" line="141" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="76" />
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="101" />
        <source>unlimited</source>
        <translation>不限</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="115" />
        <source>Insert a field…</source>
        <translation>插入字段…</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="120" />
        <source>Fields a rule can use. scores.deal, scores.churn and scores.renewal are probabilities from 0 to 1; a customer without that score does not match.</source>
        <translation>规则可用的字段。scores.deal、scores.churn、scores.renewal 是 0 到 1 的概率；还没有该评分的客户不匹配。</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="130" />
        <source>Pitch</source>
        <translation>卖点</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="131" />
        <source>Product</source>
        <translation>产品</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="132" />
        <source>Channels</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="133" />
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="134" />
        <source>Value (¥)</source>
        <translation>价值（元）</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="135" />
        <location filename="../../ui/policy_studio.py" line="368" />
        <source>Quota, total</source>
        <translation>总配额</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="136" />
        <location filename="../../ui/policy_studio.py" line="369" />
        <source>Quota per store</source>
        <translation>单厅配额</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="137" />
        <location filename="../../ui/policy_studio.py" line="366" />
        <source>Valid from</source>
        <translation>生效日期</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="138" />
        <location filename="../../ui/policy_studio.py" line="367" />
        <source>Valid to</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="139" />
        <source>Exclusive group</source>
        <translation>互斥组</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="140" />
        <source>Script</source>
        <translation>话术</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="142" />
        <source>Rule</source>
        <translation>规则</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="148" />
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="150" />
        <source>City</source>
        <translation>城市</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="151" />
        <source>Plan fee</source>
        <translation>套餐月费</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="152" />
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="159" />
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="160" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="161" />
        <source>Publish</source>
        <translation>发布</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="162" />
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="163" />
        <source>Import YAML…</source>
        <translation>导入 YAML…</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="164" />
        <source>Export YAML…</source>
        <translation>导出 YAML…</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="191" />
        <source>Policies</source>
        <translation>政策</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="192" />
        <source>Scripts</source>
        <translation>话术</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="193" />
        <source>Pressure limits</source>
        <translation>接触管控</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="198" />
        <source>SMS templates</source>
        <translation>短信模板</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="203" />
        <source>Assignment rules</source>
        <translation>分配规则</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="274" />
        <source>new (draft)</source>
        <translation>新建（草稿）</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="302" />
        <source>Rule OK — counting matching customers…</source>
        <translation>规则正确 — 正在统计匹配客户…</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="305" />
        <source>Rule OK — matches %1 of %2 customers in the local book</source>
        <translation>规则正确 — 本地客户中 %2 位有 %1 位匹配</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="347" />
        <source>%1 must be a whole number</source>
        <translation>%1 须为整数</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="357" />
        <source>%1 must be a date like 2026-12-01</source>
        <translation>%1 须为日期，例如 2026-12-01</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="217" />
        <location filename="../../ui/policy_studio.py" line="218" />
        <location filename="../../ui/policy_studio.py" line="394" />
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="402" />
        <source>Published %1, version %2</source>
        <translation>已发布 %1，版本 %2</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="415" />
        <source>Import policies</source>
        <translation>导入政策</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="416" />
        <location filename="../../ui/policy_studio.py" line="422" />
        <source>YAML files (*.yaml *.yml)</source>
        <translation>YAML 文件 (*.yaml *.yml)</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="421" />
        <source>Export policies</source>
        <translation>导出政策</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="427" />
        <source>Imported %1 items</source>
        <translation>已导入 %1 项</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="430" />
        <source>Exported to %1</source>
        <translation>已导出到 %1</translation>
    </message>
</context>
<context>
    <name>PolicyStudioViewModel</name>
    <message>
        <location filename="../../views/policy_studio_vm.py" line="171" />
        <source>Could not read the file: {e}</source>
        <extracomment>Pause in typing before the matching customers are counted (ms).</extracomment>
        <translation>无法读取文件：{e}</translation>
    </message>
</context>
<context>
    <name>PortraitEditorPanel</name>
    <message>
        <location filename="../../ui/portrait_editor.py" line="57" />
        <location filename="../../ui/portrait_editor.py" line="88" />
        <source>No SMS to this customer</source>
        <extracomment>the interest and need tags in the vocabulary's display order</extracomment>
        <translation>不给该客户发短信</translation>
    </message>
    <message>
        <location filename="../../ui/portrait_editor.py" line="72" />
        <source>Save portrait (Ctrl+S)</source>
        <translation>保存画像 (Ctrl+S)</translation>
    </message>
    <message>
        <location filename="../../ui/portrait_editor.py" line="74" />
        <source>Close (Esc)</source>
        <translation>关闭 (Esc)</translation>
    </message>
    <message>
        <location filename="../../ui/portrait_editor.py" line="78" />
        <location filename="../../ui/portrait_editor.py" line="82" />
        <source>Preferred &amp;channel</source>
        <translation>偏好渠道(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../ui/portrait_editor.py" line="80" />
        <location filename="../../ui/portrait_editor.py" line="83" />
        <source>&amp;Interests and needs</source>
        <translation>兴趣与需求(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../ui/portrait_editor.py" line="81" />
        <location filename="../../ui/portrait_editor.py" line="83" />
        <source>N&amp;ote</source>
        <translation>备注(&amp;O)</translation>
    </message>
    <message>
        <location filename="../../ui/portrait_editor.py" line="89" />
        <source>Save portrait</source>
        <translation>保存画像</translation>
    </message>
    <message>
        <location filename="../../ui/portrait_editor.py" line="90" />
        <source>Close the portrait editor</source>
        <translation>关闭画像编辑</translation>
    </message>
    <message>
        <location filename="../../ui/portrait_editor.py" line="91" />
        <source>Portrait editor</source>
        <translation>画像编辑</translation>
    </message>
    <message>
        <location filename="../../ui/portrait_editor.py" line="98" />
        <source>What the customer told you (F4)</source>
        <translation>客户在通话中告诉您的 (F4)</translation>
    </message>
    <message>
        <location filename="../../ui/portrait_editor.py" line="138" />
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
</context>
<context>
    <name>ScreenPopWidget</name>
    <message>
        <location filename="../../ui/screen_pop.py" line="162" />
        <source>Show number</source>
        <extracomment>warnings that make the pop lead with the warning and the trail instead of the selling parts Customers whose task moves the pop keeps (the calls open in tabs, and a few before).</extracomment>
        <translation>显示号码</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="164" />
        <source>Show the full number (recorded in the audit log)</source>
        <translation>显示完整号码（记入审计日志）</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="203" />
        <source>Edit portrait (F4)</source>
        <translation>编辑画像 (F4)</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="204" />
        <source>Edit the portrait</source>
        <translation>编辑客户画像</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="239" />
        <location filename="../../ui/screen_pop.py" line="296" />
        <source>Contact trail</source>
        <translation>接触轨迹</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="240" />
        <location filename="../../ui/screen_pop.py" line="297" />
        <source>Work orders</source>
        <translation>工单</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="246" />
        <source>Customer accepts the selected offer (F8)</source>
        <translation>客户办理所选政策 (F8)</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="248" />
        <source>What to offer</source>
        <translation>推荐政策</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="252" />
        <source>Customer says… (F7, Enter finds the answer)</source>
        <translation>客户说…（F7，回车查找应答）</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="256" />
        <source>What to say (F6: next objection answer)</source>
        <translation>话术（F6：下一条异议应答）</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="295" />
        <source>Offers the customer is eligible for</source>
        <translation>客户可办理的优惠</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="296" />
        <source>Script</source>
        <translation>话术</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="297" />
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="298" />
        <source>Customer accepts the selected offer</source>
        <translation>客户办理所选优惠</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="299" />
        <source>Customer's objection</source>
        <translation>客户异议</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="303" />
        <source>Customer name</source>
        <translation>客户姓名</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="303" />
        <source>Mobile number</source>
        <translation>手机号码</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="304" />
        <source>Customer facts</source>
        <translation>客户概况</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="304" />
        <source>Value tier</source>
        <translation>价值层级</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="305" />
        <source>Life-cycle stage</source>
        <translation>生命周期阶段</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="305" />
        <source>Lead</source>
        <translation>线索</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="306" />
        <source>Deal score</source>
        <translation>成交评分</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="306" />
        <source>Current plan</source>
        <translation>当前套餐</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="307" />
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="307" />
        <source>Why this score</source>
        <translation>评分原因</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="308" />
        <source>Reasons not to push</source>
        <translation>不宜推荐的原因</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="308" />
        <source>Cross-sell hint</source>
        <translation>交叉销售提示</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="328" />
        <location filename="../../ui/screen_pop.py" line="360" />
        <location filename="../../ui/screen_pop.py" line="389" />
        <source>Policy</source>
        <translation>政策</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="329" />
        <source>Pitch</source>
        <translation>卖点</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="330" />
        <source>Deal p.</source>
        <translation>成单率</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="332" />
        <source>Value ¥</source>
        <translation>价值（元）</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="334" />
        <source>Valid to</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="335" />
        <source>Quota left</source>
        <translation>剩余名额</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="337" />
        <source>Why eligible</source>
        <translation>符合原因</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="341" />
        <source>Task move</source>
        <translation>任务流转</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="342" />
        <source>server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="343" />
        <source>the team pool</source>
        <translation>公海</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="349" />
        <source>held by {who}</source>
        <translation>由 {who} 持有</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="351" />
        <source>{from_} → {to}</source>
        <translation>{from_} → {to}</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="355" />
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="356" />
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="357" />
        <source>Outcome</source>
        <translation>接触结果</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="358" />
        <source>Intent</source>
        <translation>意向</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="359" />
        <source>Who</source>
        <translation>经办人</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="361" />
        <source>Talk</source>
        <translation>通话</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="363" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="384" />
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="385" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="386" />
        <source>Appointment</source>
        <translation>预约时间</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="388" />
        <source>Store</source>
        <translation>营业厅</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="390" />
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="391" />
        <source>Note / result</source>
        <translation>备注 / 结果</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="426" />
        <source>{name} (new lead)</source>
        <translation>{name}（新线索）</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screen_pop.py" line="429" />
        <source>%n year(s)</source>
        <translation><numerusform>%n 岁</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="432" />
        <source>Member {no}</source>
        <translation>会员 {no}</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="434" />
        <source>ID {id}</source>
        <translation>证件 {id}</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="437" />
        <source>Plan {plan} (¥{fee}/month) · tenure {tenure} months · {device} · {network}</source>
        <translation>套餐 {plan}（{fee} 元/月）· 在网 {tenure} 个月 · {device} · {network}</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="442" />
        <source>Tags: </source>
        <translation>标签：</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="446" />
        <source>Lead {tier}</source>
        <translation>{tier} 类线索</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="447" />
        <source>Deal {p}</source>
        <translation>成单率 {p}</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="448" />
        <source>Churn risk {p}</source>
        <translation>流失风险 {p}</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="449" />
        <source>Renewal {p}</source>
        <translation>续约倾向 {p}</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="454" />
        <source>Do not push:</source>
        <translation>不宜推送：</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="462" />
        <source>Customers who took {x} also took: </source>
        <translation>办理过{x}的客户还办理了：</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="464" />
        <source>{name} ({conf}, lift {lift:.1f}×)</source>
        <translation>{name}（置信度 {conf}，提升度 {lift:.1f}×）</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/screen_pop.py" line="478" />
        <source>Work orders (%n)</source>
        <translation><numerusform>工单（%n）</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="532" />
        <source>Deal {p} because: {reasons}</source>
        <translation>成单率 {p}，主要因素：{reasons}</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="537" />
        <source>No script for this offer.</source>
        <translation>此政策暂无话术。</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="545" />
        <source>Answer to: {q}</source>
        <translation>应答：{q}</translation>
    </message>
    <message>
        <location filename="../../ui/screen_pop.py" line="548" />
        <source>No answer in the library matches these words.</source>
        <translation>话术库中没有匹配这些话的应答。</translation>
    </message>
</context>
<context>
    <name>ScriptsPage</name>
    <message>
        <location filename="../../ui/policy_studio.py" line="459" />
        <location filename="../../ui/policy_studio.py" line="479" />
        <source>ID</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="460" />
        <location filename="../../ui/policy_studio.py" line="480" />
        <source>Policy</source>
        <translation>政策</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="461" />
        <location filename="../../ui/policy_studio.py" line="482" />
        <source>Section</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="462" />
        <location filename="../../ui/policy_studio.py" line="483" />
        <source>Variant</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="463" />
        <location filename="../../ui/policy_studio.py" line="484" />
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="477" />
        <source>comma-separated</source>
        <translation>用逗号分隔</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="481" />
        <source>Lifecycle stage</source>
        <translation>生命周期</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="485" />
        <source>Text</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="486" />
        <source>Keywords</source>
        <translation>关键词</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="487" />
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <location filename="../../ui/policy_studio.py" line="488" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
</context>
<context>
    <name>ServerLink</name>
    <message>
        <location filename="../../views/server_link.py" line="67" />
        <source>Your session has expired: log in again to sync.</source>
        <translation>登录已过期：请重新登录以同步。</translation>
    </message>
    <message>
        <location filename="../../views/server_link.py" line="85" />
        <source>Log in as {user}. To switch users, quit and start the workbench again.</source>
        <translation>请以 {user} 登录。要切换用户，请退出后重新启动工作台。</translation>
    </message>
</context>
<context>
    <name>ServerMessages</name>
    <message>
        <location filename="../../views/server_messages.py" line="18" />
        <source>The certificate of {host} is not signed by a certificate authority this computer trusts. Ask IT for the company CA bundle and set it as ca_bundle in the settings.</source>
        <translation>{host} 的证书不是由本机信任的证书机构签发的。请向 IT 索取公司 CA 证书包，并在设置中填入 ca_bundle。</translation>
    </message>
    <message>
        <location filename="../../views/server_messages.py" line="22" />
        <source>The certificate of {host} has expired (or is not valid yet: check this computer's clock).</source>
        <translation>{host} 的证书已过期（或尚未生效：请检查本机时钟）。</translation>
    </message>
    <message>
        <location filename="../../views/server_messages.py" line="25" />
        <source>The certificate presented by {host} is for another server name. Check the server address.</source>
        <translation>{host} 出示的证书属于另一个服务器名称。请检查服务器地址。</translation>
    </message>
    <message>
        <location filename="../../views/server_messages.py" line="28" />
        <source>Could not set up a secure connection to {host} (is it an HTTPS server?).</source>
        <translation>无法与 {host} 建立安全连接（它是 HTTPS 服务器吗？）。</translation>
    </message>
    <message>
        <location filename="../../views/server_messages.py" line="31" />
        <source>The CA bundle set as ca_bundle in the settings cannot be read: {host}.</source>
        <translation>设置中 ca_bundle 指定的 CA 证书包无法读取：{host}。</translation>
    </message>
    <message>
        <location filename="../../views/server_messages.py" line="34" />
        <source>The certificate of {host} is not valid.</source>
        <translation>{host} 的证书无效。</translation>
    </message>
    <message>
        <location filename="../../views/server_messages.py" line="40" />
        <source>Refusing plain HTTP to {host}: passwords and customer data would cross the network unencrypted. Use an https:// address, or allow plain HTTP (allow_plain_http) in the settings.</source>
        <translation>拒绝以明文 HTTP 连接 {host}：密码和客户数据将以未加密方式在网络上传输。请使用 https:// 地址，或在设置中允许明文 HTTP（allow_plain_http）。</translation>
    </message>
</context>
<context>
    <name>SmsFunnelPanel</name>
    <message>
        <location filename="../../ui/sms_funnel.py" line="25" />
        <location filename="../../ui/sms_funnel.py" line="60" />
        <source>SMS sent</source>
        <translation>已发短信</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="26" />
        <location filename="../../ui/sms_funnel.py" line="60" />
        <source>Delivered</source>
        <translation>已送达</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="27" />
        <source>Link opened</source>
        <translation>打开链接</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="28" />
        <source>Ordered online</source>
        <translation>网厅下单</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="47" />
        <source>Period</source>
        <translation>周期</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/sms_funnel.py" line="50" />
        <source>Last %n day(s)</source>
        <translation><numerusform>最近 %n 天</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="57" />
        <location filename="../../ui/sms_funnel.py" line="64" />
        <source>Channel comparison: SMS</source>
        <translation>渠道对比：短信</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="60" />
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="60" />
        <source>Links opened</source>
        <translation>打开链接</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="61" />
        <source>Orders</source>
        <translation>订单</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="61" />
        <source>Cost</source>
        <translation>成本</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="61" />
        <source>Cost per order</source>
        <translation>每单成本</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="66" />
        <location filename="../../ui/sms_funnel.py" line="74" />
        <source>SMS funnel</source>
        <translation>短信漏斗</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="66" />
        <location filename="../../ui/sms_funnel.py" line="67" />
        <location filename="../../ui/sms_funnel.py" line="70" />
        <source>Count</source>
        <translation>数量</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="66" />
        <location filename="../../ui/sms_funnel.py" line="70" />
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="70" />
        <source>Of the step before</source>
        <translation>占上一步</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="71" />
        <source>Of SMS sent</source>
        <translation>占已发短信</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="76" />
        <source>Messages are counted in SMS sent and delivered; customers in link opened and ordered (only what followed their SMS).</source>
        <translation>“已发短信”和“已送达”按条计，“打开链接”和“网厅下单”按客户计（仅计收到短信之后的行为）。</translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="82" />
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/sms_funnel.py" line="85" />
        <source>%n message(s) in the period</source>
        <translation><numerusform>本时段共 %n 条短信</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/sms_funnel.py" line="86" />
        <source>SMS</source>
        <translation>短信</translation>
    </message>
</context>
<context>
    <name>SmsFunnelViewModel</name>
    <message>
        <location filename="../../views/sms_funnel_vm.py" line="52" />
        <source>The SMS figures could not be read: {e}</source>
        <translation>无法读取短信数据：{e}</translation>
    </message>
</context>
<context>
    <name>SmsTemplatesPage</name>
    <message>
        <location filename="../../ui/sms_templates.py" line="58" />
        <source>Campaign</source>
        <translation>营销短信</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="58" />
        <source>Hang-up SMS</source>
        <translation>挂机短信</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="59" />
        <source>Login code</source>
        <translation>登录验证码</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="59" />
        <source>Order confirmation</source>
        <translation>订单确认</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="62" />
        <source>ID</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="63" />
        <location filename="../../ui/sms_templates.py" line="113" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="64" />
        <location filename="../../ui/sms_templates.py" line="114" />
        <source>Purpose</source>
        <translation>用途</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="65" />
        <location filename="../../ui/sms_templates.py" line="115" />
        <source>Policy</source>
        <translation>政策</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="65" />
        <source>(general)</source>
        <translation>（通用）</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="66" />
        <location filename="../../ui/sms_templates.py" line="116" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="83" />
        <source>(general: every policy)</source>
        <translation>（通用：所有政策）</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="88" />
        <source>Insert a placeholder…</source>
        <translation>插入占位符…</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="90" />
        <source>the customer's name</source>
        <translation>客户姓名</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="90" />
        <source>the policy's name</source>
        <translation>政策名称</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="91" />
        <source>the policy's one-line pitch</source>
        <translation>政策一句话卖点</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="92" />
        <source>the customer's personal link to the online zone</source>
        <translation>客户专属网厅链接</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="93" />
        <source>the customer's current plan</source>
        <translation>客户当前套餐</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="93" />
        <source>the customer's monthly fee</source>
        <translation>客户月费</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="94" />
        <source>the customer's city</source>
        <translation>客户所在城市</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="94" />
        <source>a one-time login code</source>
        <translation>一次性登录验证码</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="95" />
        <source>the agent's display name</source>
        <translation>坐席姓名</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="102" />
        <source>Placeholders are counted at a typical length. Chinese text: 70 characters in one segment, 67 per segment when longer.</source>
        <translation>占位符按常见长度计算。中文短信：单条 70 字，长短信每条 67 字。</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="112" />
        <source>Template ID</source>
        <translation>模板编号</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="117" />
        <source>Text</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="123" />
        <source>New (Ctrl+N)</source>
        <translation>新建（Ctrl+N）</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="124" />
        <source>Save draft (Ctrl+S)</source>
        <translation>保存草稿（Ctrl+S）</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="125" />
        <source>Publish (Ctrl+Enter)</source>
        <translation>发布（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="126" />
        <source>Discard draft</source>
        <translation>放弃草稿</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="127" />
        <source>Reload (F5)</source>
        <translation>刷新（F5）</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="169" />
        <source>Discarded the draft of %1</source>
        <translation>已放弃 %1 的草稿</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="178" />
        <source>draft (not published)</source>
        <translation>草稿（未发布）</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="179" />
        <source>published, version %1</source>
        <translation>已发布，第 %1 版</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="180" />
        <source>draft over %1</source>
        <translation>草稿（%1）</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/sms_templates.py" line="194" />
        <source>Checked against the server's %n sensitive word(s).</source>
        <translation><numerusform>已按服务器的 %n 个敏感词检查。</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="198" />
        <source>Offline (%1): checked against the shipped word list; the server checks again when you publish.</source>
        <translation>离线（%1）：按内置敏感词表检查；发布时服务器会再次检查。</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="234" />
        <source>new (draft)</source>
        <translation>新建（草稿）</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="254" />
        <source>%1 characters per segment</source>
        <translation>每条 %1 字</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/sms_templates.py" line="256" />
        <source>%n segment(s)</source>
        <translation><numerusform>%n 条短信</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/sms_templates.py" line="257" />
        <source>about %n character(s)</source>
        <translation><numerusform>约 %n 字</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="258" />
        <source>%1 left in the last segment</source>
        <translation>末条还可写 %1 字</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="264" />
        <source>Template OK</source>
        <translation>模板无误</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="275" />
        <source>The text is empty</source>
        <translation>内容为空</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="276" />
        <source>Unknown placeholder {%1} at position %2 (known: %3)</source>
        <translation>位置 %2 有未知占位符 {%1}（可用：%3）</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="278" />
        <source>A brace without its partner at position %1</source>
        <translation>位置 %1 的花括号不成对</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="279" />
        <source>The signature 【…】 (2 to 12 characters) is missing at the start or the end</source>
        <translation>开头或结尾缺少签名【…】（2 到 12 个字）</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="280" />
        <source>Sensitive word “%1” at position %2</source>
        <translation>位置 %2 有敏感词“%1”</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="282" />
        <source>%1 segments; at most %2</source>
        <translation>%1 条短信，最多 %2 条</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="284" />
        <source>A control character at position %1</source>
        <translation>位置 %1 有控制字符</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="285" />
        <source>Longer than %1 characters</source>
        <translation>超过 %1 个字</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="345" />
        <source>Saved the draft of %1 on this desk</source>
        <translation>已在本机保存 %1 的草稿</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="357" />
        <source>%1 is already published as it is</source>
        <translation>%1 已按此内容发布，无变化</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="359" />
        <source>Published %1: every desk and the SMS campaigns use it now</source>
        <translation>已发布 %1：所有工作台和短信营销即刻使用</translation>
    </message>
    <message>
        <location filename="../../ui/sms_templates.py" line="369" />
        <source>Publishing…</source>
        <translation>正在发布…</translation>
    </message>
</context>
<context>
    <name>SmsTemplatesViewModel</name>
    <message>
        <location filename="../../views/sms_templates_vm.py" line="130" />
        <source>The server refused to publish; nothing was changed. %1</source>
        <translation>服务器拒绝发布，未做任何更改。%1</translation>
    </message>
</context>
<context>
    <name>SyncController</name>
    <message>
        <location filename="../../views/sync_controller.py" line="214" />
        <source>Your session has expired: log in again to sync.</source>
        <translation>登录已过期：请重新登录以同步。</translation>
    </message>
</context>
<context>
    <name>UserError</name>
    <message>
        <location filename="../../views/errors.py" line="39" />
        <source>Something went wrong; the error was recorded in the log.</source>
        <translation>出现了意外错误，详情已记录在日志中。</translation>
    </message>
    <message>
        <location filename="../../views/sms_templates_vm.py" line="29" />
        <source>Not connected to the server: the draft is saved on this desk.</source>
        <extracomment>the service's messages, for the translator (context "UserError", see views.errors)</extracomment>
        <translation>未连接服务器：草稿已保存在本机。</translation>
    </message>
</context>
<context>
    <name>WorkOrderResultDialog</name>
    <message>
        <location filename="../../ui/dialogs.py" line="141" />
        <source>Work order</source>
        <translation>工单</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="146" />
        <source>Reason (required when failed)</source>
        <translation>原因（失败时必填）</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="148" />
        <source>&amp;Result</source>
        <translation>结果(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../ui/dialogs.py" line="149" />
        <source>&amp;Reason</source>
        <translation>原因(&amp;R)</translation>
    </message>
</context>
<context>
    <name>WorkbenchViewModel</name>
    <message>
        <location filename="../../views/workbench_vm.py" line="144" />
        <source>Could not explain the score: {e}</source>
        <extracomment>``server_lookup(event) -&gt; customer id | False``: ask the server once for an unknown caller or walk-in (a serve grant outside the user's book); the customer's id (or True) if it put them in the local store. Lookup keys the server answers for (an ID number only there: desks hold none).</extracomment>
        <translation>无法解释评分：{e}</translation>
    </message>
    <message>
        <location filename="../../views/workbench_vm.py" line="201" />
        <source>Portrait saved</source>
        <translation>画像已保存</translation>
    </message>
    <message>
        <location filename="../../views/workbench_vm.py" line="223" />
        <source>Acceptance recorded</source>
        <translation>已记录办理</translation>
    </message>
    <message>
        <location filename="../../views/workbench_vm.py" line="239" />
        <source>Work order updated</source>
        <translation>工单已更新</translation>
    </message>
    <message>
        <location filename="../../views/workbench_vm.py" line="251" />
        <source>This number belongs to customer {id} already; the new lead was merged into them.</source>
        <translation>该号码已属于客户 {id}，新线索已并入该客户。</translation>
    </message>
    <message>
        <location filename="../../views/workbench_vm.py" line="264" />
        <source>Customer {id} is in another team's book; you cannot open them.</source>
        <translation>客户 {id} 属于其他团队，您无权打开。</translation>
    </message>
    <message>
        <location filename="../../views/workbench_vm.py" line="282" />
        <source>Full numbers can only be shown while connected to the server.</source>
        <translation>仅在连接服务器时才能显示完整号码。</translation>
    </message>
    <message>
        <location filename="../../views/workbench_vm.py" line="285" />
        <source>Could not show the number: {e}</source>
        <translation>无法显示号码：{e}</translation>
    </message>
    <message>
        <location filename="../../views/workbench_vm.py" line="297" />
        <source>Could not export: {e}</source>
        <translation>无法导出：{e}</translation>
    </message>
    <message numerus="yes">
        <location filename="../../views/workbench_vm.py" line="301" />
        <source>Exported %n rows to {path}</source>
        <translation><numerusform>已导出 %n 行到 {path}</numerusform></translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <location filename="../../ui/labels.py" line="25" />
        <source>Outbound call</source>
        <translation>外呼</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="25" />
        <source>Hotline</source>
        <translation>热线</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="25" />
        <source>Store</source>
        <translation>营业厅</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="26" />
        <source>SMS</source>
        <translation>短信</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="26" />
        <source>Online</source>
        <translation>网厅</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="36" />
        <source>Accepted</source>
        <translation>已办理</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="36" />
        <source>Interested, call back</source>
        <translation>有意向，待回访</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="37" />
        <source>Refused</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="37" />
        <source>No answer</source>
        <translation>无人接听</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="37" />
        <source>Busy</source>
        <translation>占线</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="38" />
        <source>Wrong number</source>
        <translation>号码错误</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="38" />
        <source>Complaint</source>
        <translation>投诉</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="39" />
        <source>Asked not to be called</source>
        <translation>要求勿扰</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="39" />
        <source>Transferred to store</source>
        <translation>转营业厅</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="40" />
        <source>Information only</source>
        <translation>仅咨询</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="49" />
        <source>High</source>
        <translation>高</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="49" />
        <source>Medium</source>
        <translation>中</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="49" />
        <source>Low</source>
        <translation>低</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="49" />
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="58" />
        <source>Acquisition</source>
        <translation>获取期</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="58" />
        <source>Growth</source>
        <translation>提升期</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="58" />
        <source>Maturity</source>
        <translation>成熟期</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="59" />
        <source>Decline</source>
        <translation>衰退期</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="59" />
        <source>Churned</source>
        <translation>流失期</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="69" />
        <source>High value</source>
        <translation>高价值</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="69" />
        <source>Potential</source>
        <translation>潜力</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="69" />
        <source>Ordinary</source>
        <translation>普通</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="70" />
        <source>Low value</source>
        <translation>低价值</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="79" />
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="79" />
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="88" />
        <source>Opening</source>
        <translation>开场</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="88" />
        <source>Needs probing</source>
        <translation>需求探询</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="88" />
        <source>Offer</source>
        <translation>推荐</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="89" />
        <source>Objection handling</source>
        <translation>异议处理</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="89" />
        <source>Closing</source>
        <translation>促成</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="99" />
        <source>Waiting for customer</source>
        <translation>等待客户到厅</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="99" />
        <source>Customer arrived</source>
        <translation>客户已到厅</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="100" />
        <source>Done</source>
        <translation>已办理</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="100" />
        <source>Failed</source>
        <translation>未办成</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="100" />
        <source>Returned to agent</source>
        <translation>已回单</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="101" />
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="111" />
        <source>Agent</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="111" />
        <source>Receptionist</source>
        <translation>营业员</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="111" />
        <source>Team lead</source>
        <translation>班组长</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="112" />
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="125" />
        <source>Contact cap reached: {count} of {limit} {channel} contacts this {period}</source>
        <translation>已达接触上限：本{period}{channel} {count} 次（上限 {limit} 次）</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="130" />
        <source>Quiet hours in the customer's time zone ({start}–{end}, now {local})</source>
        <translation>客户当地处于免打扰时段（{start}–{end}，当地时间 {local}）</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="134" />
        <source>Do not call: the customer asked not to be called</source>
        <translation>勿扰：客户要求不要来电</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="136" />
        <source>Do not send SMS</source>
        <translation>勿发短信</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="138" />
        <source>Refused recently: wait until {until}</source>
        <translation>近期已拒绝：请等到 {until}</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="140" />
        <source>Open complaint: solve it before offering anything</source>
        <translation>有未结投诉：先处理投诉，不要推荐</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="145" />
        <source>{policy} ordered online at {time}</source>
        <translation>{policy} 已于 {time} 在网厅办理</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="147" />
        <source>{policy} already accepted via {channel} ({where})</source>
        <translation>{policy} 已通过{channel}办理（{where}）</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="152" />
        <source>Another rule says not to push now</source>
        <translation>另有规则要求此时不要推荐</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="173" />
        <source>day</source>
        <translation>日</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="173" />
        <source>week</source>
        <translation>周</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="173" />
        <source>month</source>
        <translation>月</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="192" />
        <source>the customer's quiet hours</source>
        <translation>客户的免打扰时段</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="193" />
        <source>the contact cap is reached</source>
        <translation>已达接触上限</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="203" />
        <source>Returned to the team pool</source>
        <translation>已回收到公海</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="204" />
        <source>Claimed from the pool</source>
        <translation>从公海领取</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="205" />
        <source>Released to the pool</source>
        <translation>已释放到公海</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="206" />
        <source>Reassigned</source>
        <translation>已改派</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="207" />
        <source>Assigned by rule</source>
        <translation>按规则分配</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="208" />
        <source>Warned before recycling</source>
        <translation>回收前已预警</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="209" />
        <source>Recycling warning moved</source>
        <translation>回收预警已顺延</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="210" />
        <source>Recycling warning withdrawn</source>
        <translation>回收预警已撤销</translation>
    </message>
</context>
<context>
    <name>widget</name>
    <message>
        <location filename="../../ui/dashboard.py" line="879" />
        <source>SMS &amp; online</source>
        <translation>短信与网厅</translation>
    </message>
</context>
</TS>