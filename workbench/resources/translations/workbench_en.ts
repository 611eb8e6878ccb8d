<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en">
  <context>
    <name>AgentAdminWindow</name>
    <message numerus="yes">
      <source>%n agent(s)</source>
      <translation>
        <numerusform>%n agent</numerusform>
        <numerusform>%n agents</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>AssignmentRulesPage</name>
    <message numerus="yes">
      <source>%n assignment rule(s)</source>
      <translation>
        <numerusform>%n assignment rule</numerusform>
        <numerusform>%n assignment rules</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>AtRiskWidget</name>
    <message numerus="yes">
      <source>Exported %n customers (numbers masked).</source>
      <translation>
        <numerusform>Exported %n customer (numbers masked).</numerusform>
        <numerusform>Exported %n customers (numbers masked).</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>AuditLogWindow</name>
    <message numerus="yes">
      <source>%n entries</source>
      <translation>
        <numerusform>%n entry</numerusform>
        <numerusform>%n entries</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message numerus="yes">
      <source>Online · %n waiting · last sync {t}</source>
      <translation>
        <numerusform>Online · %n waiting · last sync {t}</numerusform>
        <numerusform>Online · %n waiting · last sync {t}</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Offline — showing local data, %n change(s) waiting</source>
      <translation>
        <numerusform>Offline — showing local data, %n change waiting</numerusform>
        <numerusform>Offline — showing local data, %n changes waiting</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source> · %n refused by the server</source>
      <translation>
        <numerusform> · %n refused by the server</numerusform>
        <numerusform> · %n refused by the server</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Syncing… %n record(s)</source>
      <translation>
        <numerusform>Syncing… %n record</numerusform>
        <numerusform>Syncing… %n records</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>OutcomeForm</name>
    <message numerus="yes">
      <source>%n min</source>
      <translation>
        <numerusform>%n min</numerusform>
        <numerusform>%n min</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Saved. Ctrl+Z undoes it (%n s).</source>
      <translation>
        <numerusform>Saved. Ctrl+Z undoes it (%n s).</numerusform>
        <numerusform>Saved. Ctrl+Z undoes it (%n s).</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>ScreenPopWidget</name>
    <message numerus="yes">
      <source>%n year(s)</source>
      <translation>
        <numerusform>%n year</numerusform>
        <numerusform>%n years</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Work orders (%n)</source>
      <translation>
        <numerusform>Work orders (%n)</numerusform>
        <numerusform>Work orders (%n)</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>SmsFunnelPanel</name>
    <message numerus="yes">
      <source>Last %n day(s)</source>
      <translation>
        <numerusform>Last %n day</numerusform>
        <numerusform>Last %n days</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n message(s) in the period</source>
      <translation>
        <numerusform>%n message in the period</numerusform>
        <numerusform>%n messages in the period</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>SmsTemplatesPage</name>
    <message numerus="yes">
      <source>Checked against the server's %n sensitive word(s).</source>
      <translation>
        <numerusform>Checked against the server's %n sensitive word.</numerusform>
        <numerusform>Checked against the server's %n sensitive words.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n segment(s)</source>
      <translation>
        <numerusform>%n segment</numerusform>
        <numerusform>%n segments</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>about %n character(s)</source>
      <translation>
        <numerusform>about %n character</numerusform>
        <numerusform>about %n characters</numerusform>
      </translation>
    </message>
  </context>
  <context>
    <name>WorkbenchViewModel</name>
    <message numerus="yes">
      <source>Exported %n rows to {path}</source>
      <translation>
        <numerusform>Exported %n row to {path}</numerusform>
        <numerusform>Exported %n rows to {path}</numerusform>
      </translation>
    </message>
  </context>
</TS>