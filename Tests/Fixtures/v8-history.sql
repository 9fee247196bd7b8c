PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
INSERT INTO grdb_migrations VALUES('v1 community model');
INSERT INTO grdb_migrations VALUES('v2 form tokens and server secret');
INSERT INTO grdb_migrations VALUES('v3 whistle to departments');
INSERT INTO grdb_migrations VALUES('v4 SLA columns');
INSERT INTO grdb_migrations VALUES('v5 SLA covering index');
INSERT INTO grdb_migrations VALUES('v6 SLA partial indexes');
INSERT INTO grdb_migrations VALUES('v7 dispatcher claims, bounded repeats, digests');
INSERT INTO grdb_migrations VALUES('v8 catalogue version');
CREATE TABLE policy (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    json TEXT NOT NULL UNIQUE,
    created_at DATETIME NOT NULL
);
INSERT INTO policy VALUES(1,'{"afterBreachEverySeconds":300,"afterBreachRepeats":3,"digestMinute":540,"promiseSeconds":600,"resolveWithinSeconds":86400,"steps":[{"afterSeconds":0,"notify":["on_duty"]},{"afterSeconds":180,"notify":["on_duty","backup"]},{"afterSeconds":360,"notify":["grid_leader"]},{"afterSeconds":540,"notify":["secretary"]}]}','2026-11-25 22:40:19.575');
CREATE TABLE community (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    base_url TEXT NOT NULL,
    categories TEXT NOT NULL,
    policy_id INTEGER NOT NULL REFERENCES policy(id),
    updated_at DATETIME NOT NULL
);
INSERT INTO community VALUES(1,'晨宇社区','http://127.0.0.1:8080','[{"id":"water","label":"漏水 \/ 下水堵塞"},{"id":"road","label":"道路 \/ 路面坑洼"},{"id":"fire","label":"消防隐患"},{"id":"elevator","label":"电梯 \/ 门禁"},{"id":"sanitation","label":"环境卫生"},{"id":"help","label":"老人求助"},{"id":"dispute","label":"邻里纠纷"},{"id":"other","label":"其他"}]',1,'2026-11-25 22:40:19.575');
CREATE TABLE responder (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT,
    role TEXT NOT NULL CHECK (role IN ('grid_worker','grid_leader','secretary','department','merchant','property')),
    channels TEXT NOT NULL DEFAULT '[]',
    active BOOLEAN NOT NULL DEFAULT 1
);
INSERT INTO responder VALUES('r-zhao','赵网格员','13800000001','grid_worker','[{"webhook":{"secret":"change-me","url":"http:\/\/127.0.0.1:9911\/hook"}}]',1);
INSERT INTO responder VALUES('r-qian','钱网格员','13800000002','grid_worker','[{"wecom":{"url":"https:\/\/qyapi.weixin.qq.com\/cgi-bin\/webhook\/send?key=EXAMPLE"}}]',1);
INSERT INTO responder VALUES('r-li','李网格长',NULL,'grid_leader','[{"dingtalk":{"secret":"SECEXAMPLE","url":"https:\/\/oapi.dingtalk.com\/robot\/send?access_token=EXAMPLE"}}]',1);
INSERT INTO responder VALUES('r-shang','尚书记',NULL,'secretary','[{"feishu":{"secret":"EXAMPLE","url":"https:\/\/open.feishu.cn\/open-apis\/bot\/v2\/hook\/EXAMPLE"}}]',1);
INSERT INTO responder VALUES('d-property','红色物业',NULL,'department','[{"webhook":{"secret":"change-me","url":"http:\/\/127.0.0.1:9911\/property"}}]',1);
INSERT INTO responder VALUES('d-city','城管委',NULL,'department','[{"log":{}}]',1);
CREATE TABLE api_token (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    responder_id TEXT NOT NULL REFERENCES responder(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at DATETIME NOT NULL,
    revoked_at DATETIME
);
INSERT INTO api_token VALUES(1,'r-zhao','cef5a2c5bc8169dbcac6e5f30606c7a1914fff657102763db93f4c5b0091a784','2026-11-25 22:40:19.810',NULL);
CREATE TABLE grid (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    leader_id TEXT REFERENCES responder(id)
);
INSERT INTO grid VALUES('g1','第一网格','r-li');
INSERT INTO grid VALUES('g2','第二网格','r-li');
CREATE TABLE duty (
    grid_id TEXT NOT NULL REFERENCES grid(id),
    responder_id TEXT NOT NULL REFERENCES responder(id),
    days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    backup BOOLEAN NOT NULL DEFAULT 0
);
INSERT INTO duty VALUES('g1','r-zhao',127,0,1440,0);
INSERT INTO duty VALUES('g1','r-qian',127,0,1440,1);
INSERT INTO duty VALUES('g2','r-qian',31,480,1200,0);
INSERT INTO duty VALUES('g2','r-zhao',31,1200,480,0);
INSERT INTO duty VALUES('g2','r-zhao',96,0,1440,0);
CREATE TABLE point (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('statue','station','merchant')),
    name TEXT NOT NULL,
    address TEXT,
    grid_id TEXT NOT NULL REFERENCES grid(id),
    latitude DOUBLE,
    longitude DOUBLE,
    code TEXT NOT NULL UNIQUE,
    services TEXT NOT NULL DEFAULT '[]',
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO point VALUES('statue-south-gate','statue','红哨塑像（南门）','晨宇小区南门','g1',NULL,NULL,'F229SGMZ7JJMK','[]',1,'2026-11-25 22:40:19');
INSERT INTO point VALUES('station-service-centre','station','党群服务中心','晨宇小区3号楼一层','g1',NULL,NULL,'YZKJQWNHQ88RB','[]',1,'2026-11-25 22:40:19');
INSERT INTO point VALUES('station-guard-north','station','北门门卫室',NULL,'g2',NULL,NULL,'JMXCETT6CJ887','[]',1,'2026-11-25 22:40:19');
INSERT INTO point VALUES('merchant-pharmacy','merchant','惠民大药房','建设南大街12号','g2',NULL,NULL,'4024JMTFSXKJE','["免费测血压","应急药品","饮用热水"]',1,'2026-11-25 22:40:19');
CREATE TABLE retired_code (
    code TEXT PRIMARY KEY,
    point_id TEXT NOT NULL REFERENCES point(id),
    retired_at DATETIME NOT NULL
);
INSERT INTO retired_code VALUES('JWG1FN2AGQNAN','station-guard-north','2026-11-24 09:00:00.000');
CREATE TABLE report_day (
    day TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
INSERT INTO report_day VALUES('20261123',4);
INSERT INTO report_day VALUES('20261124',4);
CREATE TABLE report (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    point_id TEXT NOT NULL REFERENCES point(id),
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    photo_ids TEXT NOT NULL DEFAULT '[]',
    phone TEXT,
    status TEXT NOT NULL CHECK (status IN ('open','acknowledged','whistled','resolved','closed','rejected','duplicate')),
    duplicate_of INTEGER REFERENCES report(id),
    policy_id INTEGER REFERENCES policy(id),
    created_at DATETIME NOT NULL,
    ack_at DATETIME,
    ack_by TEXT REFERENCES responder(id),
    resolved_at DATETIME,
    resolved_by TEXT REFERENCES responder(id),
    breached_at DATETIME,
    rating INTEGER CHECK (rating BETWEEN 1 AND 10),
    rating_note TEXT,
    status_key_hash TEXT NOT NULL
, whistled_to TEXT REFERENCES responder(id), whistled_at DATETIME, reported_in_at DATETIME, local_day INTEGER, promise_seconds INTEGER NOT NULL DEFAULT 600, ack_seconds INTEGER, resolve_seconds INTEGER, promise_due_at DATETIME);
INSERT INTO report VALUES(1,'20261123-0001','statue-south-gate','water','测试','[]',NULL,'resolved',NULL,1,'2026-11-23 01:00:00.000','2026-11-23 01:02:00.000','r-zhao','2026-11-23 02:00:00.000','r-zhao',NULL,9,NULL,'13354c432f2476dfb61f3a2766a0f5a5b2c55e9851b73c218b0f251be21c20f0',NULL,NULL,NULL,20261123,600,120,3600,'2026-11-23 01:10:00.000');
INSERT INTO report VALUES(2,'20261123-0002','statue-south-gate','water','测试','[]',NULL,'duplicate',1,1,'2026-11-23 01:30:00.000',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'81070faa577fa7e1c713e896ee6a31f2ab3583e21c44fb7195c48ce6e6df8517',NULL,NULL,NULL,20261123,600,NULL,NULL,NULL);
INSERT INTO report VALUES(3,'20261123-0003','station-service-centre','road','测试','[]',NULL,'resolved',NULL,1,'2026-11-23 02:00:00.000','2026-11-23 02:10:00.000','r-qian','2026-11-23 04:00:00.000','r-qian',NULL,7,NULL,'542db7b809c43ea4cef4ee448188345806210f29fd22ef4ecb0949de88fd3771',NULL,NULL,NULL,20261123,600,600,7200,'2026-11-23 02:10:00.000');
INSERT INTO report VALUES(4,'20261123-0004','station-guard-north','fire','测试','[]',NULL,'acknowledged',NULL,1,'2026-11-23 15:58:00.000','2026-11-23 16:13:00.000','r-zhao',NULL,NULL,NULL,NULL,NULL,'5729d7b1097761d4f58d11011a6f9f0661a93f39a594c6f88e0352019b634e30',NULL,NULL,NULL,20261123,600,900,NULL,'2026-11-23 16:08:00.000');
INSERT INTO report VALUES(5,'20261124-0001','merchant-pharmacy','elevator','测试','[]',NULL,'resolved',NULL,1,'2026-11-24 00:00:00.000','2026-11-24 00:05:00.000','r-qian','2026-11-24 01:23:20.000','d-property',NULL,NULL,NULL,'7d686904deb1f3a1bb5d2e3f3ba086be650af7c81f48938d2d8dec3683282b48','d-property','2026-11-24 00:06:40.000','2026-11-24 00:16:40.000',20261124,600,300,5000,'2026-11-24 00:10:00.000');
INSERT INTO report VALUES(6,'20261124-0002','statue-south-gate','help','测试','[]',NULL,'rejected',NULL,1,'2026-11-24 01:00:00.000',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'6ec0665d5af3ad308ed840e040b54dc24585d0e4043e7060163313d52168278f',NULL,NULL,NULL,20261124,600,NULL,NULL,'2026-11-24 01:10:00.000');
INSERT INTO report VALUES(7,'20261124-0003','merchant-pharmacy','sanitation','测试','[]',NULL,'open',NULL,1,'2026-11-24 04:00:00.000',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2677bce508256b36aa807a4f91d6497318eae9466d7bde799a85b97f9b02b46a',NULL,NULL,NULL,20261124,600,NULL,NULL,'2026-11-24 04:10:00.000');
INSERT INTO report VALUES(8,'20261124-0004','station-service-centre','water','又漏了','[]','13800000009','whistled',NULL,1,'2026-11-24 06:00:00.000','2026-11-24 06:03:00.000','r-qian',NULL,NULL,NULL,NULL,NULL,'99c66b8eedd61fc4247795c4588041dbc0b073ea0f332f7d16528f706aa528a0','d-city','2026-11-24 08:05:00.000',NULL,20261124,600,180,NULL,'2026-11-24 06:10:00.000');
CREATE TABLE event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER REFERENCES report(id),
    point_id TEXT REFERENCES point(id),
    at DATETIME NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO event VALUES(1,1,NULL,'2026-11-23 01:00:00.000','created','resident','{"number":"20261123-0001"}');
INSERT INTO event VALUES(2,1,NULL,'2026-11-23 01:02:00.000','acknowledged','r-zhao','{}');
INSERT INTO event VALUES(3,2,NULL,'2026-11-23 01:30:00.000','created','resident','{"duplicate_of":"20261123-0001","number":"20261123-0002"}');
INSERT INTO event VALUES(4,1,NULL,'2026-11-23 02:00:00.000','resolved','r-zhao','{"note":"ok"}');
INSERT INTO event VALUES(5,1,NULL,'2026-11-23 03:00:00.000','rated','resident','{"rating":"9"}');
INSERT INTO event VALUES(6,3,NULL,'2026-11-23 02:00:00.000','created','resident','{"number":"20261123-0003"}');
INSERT INTO event VALUES(7,3,NULL,'2026-11-23 02:10:00.000','acknowledged','r-qian','{}');
INSERT INTO event VALUES(8,3,NULL,'2026-11-23 04:00:00.000','resolved','r-qian','{"note":"ok"}');
INSERT INTO event VALUES(9,3,NULL,'2026-11-23 05:00:00.000','rated','resident','{"rating":"7"}');
INSERT INTO event VALUES(10,4,NULL,'2026-11-23 15:58:00.000','created','resident','{"number":"20261123-0004"}');
INSERT INTO event VALUES(11,4,NULL,'2026-11-23 15:58:01.000','notified','system','{"channel":"webhook","event":"report.notify","responder":"r-zhao","step":"0"}');
INSERT INTO event VALUES(12,4,NULL,'2026-11-23 16:13:00.000','acknowledged','r-zhao','{}');
INSERT INTO event VALUES(13,5,NULL,'2026-11-24 00:00:00.000','created','resident','{"number":"20261124-0001"}');
INSERT INTO event VALUES(14,5,NULL,'2026-11-24 00:05:00.000','acknowledged','r-qian','{}');
INSERT INTO event VALUES(15,5,NULL,'2026-11-24 00:06:40.000','whistled','r-qian','{"note":"电梯","to":"d-property"}');
INSERT INTO event VALUES(16,5,NULL,'2026-11-24 00:16:40.000','reported_in','d-property','{}');
INSERT INTO event VALUES(17,5,NULL,'2026-11-24 01:23:20.000','resolved','d-property','{"note":"ok"}');
INSERT INTO event VALUES(18,6,NULL,'2026-11-24 01:00:00.000','created','resident','{"number":"20261124-0002"}');
INSERT INTO event VALUES(19,6,NULL,'2026-11-24 01:01:00.000','rejected','r-li','{"note":"广告"}');
INSERT INTO event VALUES(20,7,NULL,'2026-11-24 04:00:00.000','created','resident','{"number":"20261124-0003"}');
INSERT INTO event VALUES(21,NULL,'merchant-pharmacy','2026-11-20 02:15:00.000','verified','patrol','{"photo":"p.jpg"}');
INSERT INTO event VALUES(22,8,NULL,'2026-11-24 06:00:00.000','created','resident','{"number":"20261124-0004"}');
INSERT INTO event VALUES(23,8,NULL,'2026-11-24 06:03:00.000','acknowledged','r-qian','{}');
INSERT INTO event VALUES(24,8,NULL,'2026-11-24 07:00:00.000','resolved','r-qian','{"note":"修好了"}');
INSERT INTO event VALUES(25,8,NULL,'2026-11-24 08:00:00.000','reopened','r-li','{"note":"又坏了"}');
INSERT INTO event VALUES(26,8,NULL,'2026-11-24 08:05:00.000','whistled','r-qian','{"note":"管道","to":"d-city"}');
INSERT INTO event VALUES(27,NULL,'station-guard-north','2026-11-24 09:00:00.000','code_rotated','admin','{"old":"JWG1FN2AGQNAN"}');
CREATE TABLE scan_count (
    point_id TEXT NOT NULL REFERENCES point(id),
    day TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (point_id, day)
) WITHOUT ROWID;
INSERT INTO scan_count VALUES('station-service-centre','20261124',2);
INSERT INTO scan_count VALUES('statue-south-gate','20261123',4);
CREATE TABLE server_secret (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
INSERT INTO server_secret VALUES('form-token',X'78e77aea025b68e747bed818f7f12b52499fb72eb9fe254078d384ba9d5d550f');
CREATE TABLE form_nonce (
    nonce TEXT PRIMARY KEY,
    used_at DATETIME NOT NULL
);
INSERT INTO form_nonce VALUES('fixture-nonce','2026-11-24 06:00:00.000');
CREATE TABLE IF NOT EXISTS "outbox" (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER REFERENCES report(id),
    responder_id TEXT NOT NULL REFERENCES responder(id),
    channel INTEGER NOT NULL,
    channel_kind TEXT NOT NULL,
    channel_ref TEXT NOT NULL,
    event TEXT NOT NULL,
    step INTEGER NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('promise','whistle','resolve','digest')),
    priority INTEGER NOT NULL,
    due_at DATETIME NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_at DATETIME NOT NULL,
    claimed_by TEXT,
    delivered_at DATETIME,
    cancelled_at DATETIME,
    failed_at DATETIME,
    last_error TEXT,
    idem_key TEXT NOT NULL UNIQUE
);
INSERT INTO outbox VALUES(1,1,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.notify',0,'promise',0,'2026-11-23 01:00:00.000',0,'2026-11-23 01:00:00.000',NULL,NULL,'2026-11-23 01:02:00.000',NULL,NULL,'20261123-0001/notify/0/r-zhao/0');
INSERT INTO outbox VALUES(2,1,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.notify',1,'promise',0,'2026-11-23 01:03:00.000',0,'2026-11-23 01:03:00.000',NULL,NULL,'2026-11-23 01:02:00.000',NULL,NULL,'20261123-0001/notify/1/r-zhao/0');
INSERT INTO outbox VALUES(3,1,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.notify',1,'promise',0,'2026-11-23 01:03:00.000',0,'2026-11-23 01:03:00.000',NULL,NULL,'2026-11-23 01:02:00.000',NULL,NULL,'20261123-0001/notify/1/r-qian/0');
INSERT INTO outbox VALUES(4,1,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.notify',2,'promise',0,'2026-11-23 01:06:00.000',0,'2026-11-23 01:06:00.000',NULL,NULL,'2026-11-23 01:02:00.000',NULL,NULL,'20261123-0001/notify/2/r-li/0');
INSERT INTO outbox VALUES(5,1,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.notify',3,'promise',0,'2026-11-23 01:09:00.000',0,'2026-11-23 01:09:00.000',NULL,NULL,'2026-11-23 01:02:00.000',NULL,NULL,'20261123-0001/notify/3/r-shang/0');
INSERT INTO outbox VALUES(6,1,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.breach',4,'promise',1,'2026-11-23 01:10:00.000',0,'2026-11-23 01:10:00.000',NULL,NULL,'2026-11-23 01:02:00.000',NULL,NULL,'20261123-0001/breach/r-shang/0');
INSERT INTO outbox VALUES(7,1,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.remind',0,'resolve',2,'2026-11-24 01:02:00.000',0,'2026-11-24 01:02:00.000',NULL,NULL,'2026-11-23 02:00:00.000',NULL,NULL,'20261123-0001/remind/0/r-zhao/0');
INSERT INTO outbox VALUES(8,1,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.remind',1,'resolve',2,'2026-11-24 03:02:00.000',0,'2026-11-24 03:02:00.000',NULL,NULL,'2026-11-23 02:00:00.000',NULL,NULL,'20261123-0001/remind/1/r-li/0');
INSERT INTO outbox VALUES(9,3,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.notify',0,'promise',0,'2026-11-23 02:00:00.000',0,'2026-11-23 02:00:00.000',NULL,NULL,'2026-11-23 02:10:00.000',NULL,NULL,'20261123-0003/notify/0/r-zhao/0');
INSERT INTO outbox VALUES(10,3,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.notify',1,'promise',0,'2026-11-23 02:03:00.000',0,'2026-11-23 02:03:00.000',NULL,NULL,'2026-11-23 02:10:00.000',NULL,NULL,'20261123-0003/notify/1/r-zhao/0');
INSERT INTO outbox VALUES(11,3,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.notify',1,'promise',0,'2026-11-23 02:03:00.000',0,'2026-11-23 02:03:00.000',NULL,NULL,'2026-11-23 02:10:00.000',NULL,NULL,'20261123-0003/notify/1/r-qian/0');
INSERT INTO outbox VALUES(12,3,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.notify',2,'promise',0,'2026-11-23 02:06:00.000',0,'2026-11-23 02:06:00.000',NULL,NULL,'2026-11-23 02:10:00.000',NULL,NULL,'20261123-0003/notify/2/r-li/0');
INSERT INTO outbox VALUES(13,3,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.notify',3,'promise',0,'2026-11-23 02:09:00.000',0,'2026-11-23 02:09:00.000',NULL,NULL,'2026-11-23 02:10:00.000',NULL,NULL,'20261123-0003/notify/3/r-shang/0');
INSERT INTO outbox VALUES(14,3,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.breach',4,'promise',1,'2026-11-23 02:10:00.000',0,'2026-11-23 02:10:00.000',NULL,NULL,'2026-11-23 02:10:00.000',NULL,NULL,'20261123-0003/breach/r-shang/0');
INSERT INTO outbox VALUES(15,3,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.remind',0,'resolve',2,'2026-11-24 02:10:00.000',0,'2026-11-24 02:10:00.000',NULL,NULL,'2026-11-23 04:00:00.000',NULL,NULL,'20261123-0003/remind/0/r-qian/0');
INSERT INTO outbox VALUES(16,3,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.remind',1,'resolve',2,'2026-11-24 04:10:00.000',0,'2026-11-24 04:10:00.000',NULL,NULL,'2026-11-23 04:00:00.000',NULL,NULL,'20261123-0003/remind/1/r-li/0');
INSERT INTO outbox VALUES(17,4,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.notify',0,'promise',0,'2026-11-23 15:58:00.000',1,'2026-11-23 15:58:00.000',NULL,'2026-11-23 15:58:01.000',NULL,NULL,NULL,'20261123-0004/notify/0/r-zhao/0');
INSERT INTO outbox VALUES(18,4,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.notify',1,'promise',0,'2026-11-23 16:01:00.000',0,'2026-11-23 16:01:00.000',NULL,NULL,'2026-11-23 16:13:00.000',NULL,NULL,'20261123-0004/notify/1/r-zhao/0');
INSERT INTO outbox VALUES(19,4,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.notify',2,'promise',0,'2026-11-23 16:04:00.000',0,'2026-11-23 16:04:00.000',NULL,NULL,'2026-11-23 16:13:00.000',NULL,NULL,'20261123-0004/notify/2/r-li/0');
INSERT INTO outbox VALUES(20,4,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.notify',3,'promise',0,'2026-11-23 16:07:00.000',0,'2026-11-23 16:07:00.000',NULL,NULL,'2026-11-23 16:13:00.000',NULL,NULL,'20261123-0004/notify/3/r-shang/0');
INSERT INTO outbox VALUES(21,4,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.breach',4,'promise',1,'2026-11-23 16:08:00.000',0,'2026-11-23 16:08:00.000',NULL,NULL,'2026-11-23 16:13:00.000',NULL,NULL,'20261123-0004/breach/r-shang/0');
INSERT INTO outbox VALUES(22,4,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.remind',0,'resolve',2,'2026-11-24 16:13:00.000',0,'2026-11-24 16:13:00.000',NULL,NULL,NULL,NULL,NULL,'20261123-0004/remind/0/r-zhao/0');
INSERT INTO outbox VALUES(23,4,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.remind',1,'resolve',2,'2026-11-24 18:13:00.000',0,'2026-11-24 18:13:00.000',NULL,NULL,NULL,NULL,NULL,'20261123-0004/remind/1/r-li/0');
INSERT INTO outbox VALUES(24,5,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.notify',0,'promise',0,'2026-11-24 00:00:00.000',0,'2026-11-24 00:00:00.000',NULL,NULL,'2026-11-24 00:05:00.000',NULL,NULL,'20261124-0001/notify/0/r-qian/0');
INSERT INTO outbox VALUES(25,5,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.notify',1,'promise',0,'2026-11-24 00:03:00.000',0,'2026-11-24 00:03:00.000',NULL,NULL,'2026-11-24 00:05:00.000',NULL,NULL,'20261124-0001/notify/1/r-qian/0');
INSERT INTO outbox VALUES(26,5,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.notify',2,'promise',0,'2026-11-24 00:06:00.000',0,'2026-11-24 00:06:00.000',NULL,NULL,'2026-11-24 00:05:00.000',NULL,NULL,'20261124-0001/notify/2/r-li/0');
INSERT INTO outbox VALUES(27,5,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.notify',3,'promise',0,'2026-11-24 00:09:00.000',0,'2026-11-24 00:09:00.000',NULL,NULL,'2026-11-24 00:05:00.000',NULL,NULL,'20261124-0001/notify/3/r-shang/0');
INSERT INTO outbox VALUES(28,5,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.breach',4,'promise',1,'2026-11-24 00:10:00.000',0,'2026-11-24 00:10:00.000',NULL,NULL,'2026-11-24 00:05:00.000',NULL,NULL,'20261124-0001/breach/r-shang/0');
INSERT INTO outbox VALUES(29,5,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.remind',0,'resolve',2,'2026-11-25 00:05:00.000',0,'2026-11-25 00:05:00.000',NULL,NULL,'2026-11-24 01:23:20.000',NULL,NULL,'20261124-0001/remind/0/r-qian/0');
INSERT INTO outbox VALUES(30,5,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.remind',1,'resolve',2,'2026-11-25 02:05:00.000',0,'2026-11-25 02:05:00.000',NULL,NULL,'2026-11-24 01:23:20.000',NULL,NULL,'20261124-0001/remind/1/r-li/0');
INSERT INTO outbox VALUES(31,5,'d-property',0,'webhook','webhook:58d3ec3b0b88545a','report.whistle',0,'whistle',1,'2026-11-24 00:06:40.000',0,'2026-11-24 00:06:40.000',NULL,NULL,'2026-11-24 00:16:40.000',NULL,NULL,'20261124-0001/whistle0/0/d-property/0');
INSERT INTO outbox VALUES(32,5,'d-property',0,'webhook','webhook:58d3ec3b0b88545a','report.whistle',1,'whistle',1,'2026-11-24 00:09:40.000',0,'2026-11-24 00:09:40.000',NULL,NULL,'2026-11-24 00:16:40.000',NULL,NULL,'20261124-0001/whistle0/1/d-property/0');
INSERT INTO outbox VALUES(33,5,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.whistle',2,'whistle',1,'2026-11-24 00:12:40.000',0,'2026-11-24 00:12:40.000',NULL,NULL,'2026-11-24 00:16:40.000',NULL,NULL,'20261124-0001/whistle0/2/r-li/0');
INSERT INTO outbox VALUES(34,5,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.whistle',3,'whistle',1,'2026-11-24 00:15:40.000',0,'2026-11-24 00:15:40.000',NULL,NULL,'2026-11-24 00:16:40.000',NULL,NULL,'20261124-0001/whistle0/3/r-shang/0');
INSERT INTO outbox VALUES(35,5,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.breach',4,'whistle',1,'2026-11-24 00:16:40.000',0,'2026-11-24 00:16:40.000',NULL,NULL,'2026-11-24 00:16:40.000',NULL,NULL,'20261124-0001/whistle0/breach/r-shang/0');
INSERT INTO outbox VALUES(36,6,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.notify',0,'promise',0,'2026-11-24 01:00:00.000',0,'2026-11-24 01:00:00.000',NULL,NULL,'2026-11-24 01:01:00.000',NULL,NULL,'20261124-0002/notify/0/r-zhao/0');
INSERT INTO outbox VALUES(37,6,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.notify',1,'promise',0,'2026-11-24 01:03:00.000',0,'2026-11-24 01:03:00.000',NULL,NULL,'2026-11-24 01:01:00.000',NULL,NULL,'20261124-0002/notify/1/r-zhao/0');
INSERT INTO outbox VALUES(38,6,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.notify',1,'promise',0,'2026-11-24 01:03:00.000',0,'2026-11-24 01:03:00.000',NULL,NULL,'2026-11-24 01:01:00.000',NULL,NULL,'20261124-0002/notify/1/r-qian/0');
INSERT INTO outbox VALUES(39,6,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.notify',2,'promise',0,'2026-11-24 01:06:00.000',0,'2026-11-24 01:06:00.000',NULL,NULL,'2026-11-24 01:01:00.000',NULL,NULL,'20261124-0002/notify/2/r-li/0');
INSERT INTO outbox VALUES(40,6,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.notify',3,'promise',0,'2026-11-24 01:09:00.000',0,'2026-11-24 01:09:00.000',NULL,NULL,'2026-11-24 01:01:00.000',NULL,NULL,'20261124-0002/notify/3/r-shang/0');
INSERT INTO outbox VALUES(41,6,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.breach',4,'promise',1,'2026-11-24 01:10:00.000',0,'2026-11-24 01:10:00.000',NULL,NULL,'2026-11-24 01:01:00.000',NULL,NULL,'20261124-0002/breach/r-shang/0');
INSERT INTO outbox VALUES(42,7,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.notify',0,'promise',0,'2026-11-24 04:00:00.000',0,'2026-11-24 04:00:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0003/notify/0/r-qian/0');
INSERT INTO outbox VALUES(43,7,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.notify',1,'promise',0,'2026-11-24 04:03:00.000',0,'2026-11-24 04:03:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0003/notify/1/r-qian/0');
INSERT INTO outbox VALUES(44,7,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.notify',2,'promise',0,'2026-11-24 04:06:00.000',0,'2026-11-24 04:06:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0003/notify/2/r-li/0');
INSERT INTO outbox VALUES(45,7,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.notify',3,'promise',0,'2026-11-24 04:09:00.000',0,'2026-11-24 04:09:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0003/notify/3/r-shang/0');
INSERT INTO outbox VALUES(46,7,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.breach',4,'promise',1,'2026-11-24 04:10:00.000',0,'2026-11-24 04:10:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0003/breach/r-shang/0');
INSERT INTO outbox VALUES(47,8,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.notify',0,'promise',0,'2026-11-24 06:00:00.000',0,'2026-11-24 06:00:00.000',NULL,NULL,'2026-11-24 06:03:00.000',NULL,NULL,'20261124-0004/notify/0/r-zhao/0');
INSERT INTO outbox VALUES(48,8,'r-zhao',0,'webhook','webhook:b967cb2a5013f61c','report.notify',1,'promise',0,'2026-11-24 06:03:00.000',0,'2026-11-24 06:03:00.000',NULL,NULL,'2026-11-24 06:03:00.000',NULL,NULL,'20261124-0004/notify/1/r-zhao/0');
INSERT INTO outbox VALUES(49,8,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.notify',1,'promise',0,'2026-11-24 06:03:00.000',0,'2026-11-24 06:03:00.000',NULL,NULL,'2026-11-24 06:03:00.000',NULL,NULL,'20261124-0004/notify/1/r-qian/0');
INSERT INTO outbox VALUES(50,8,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.notify',2,'promise',0,'2026-11-24 06:06:00.000',0,'2026-11-24 06:06:00.000',NULL,NULL,'2026-11-24 06:03:00.000',NULL,NULL,'20261124-0004/notify/2/r-li/0');
INSERT INTO outbox VALUES(51,8,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.notify',3,'promise',0,'2026-11-24 06:09:00.000',0,'2026-11-24 06:09:00.000',NULL,NULL,'2026-11-24 06:03:00.000',NULL,NULL,'20261124-0004/notify/3/r-shang/0');
INSERT INTO outbox VALUES(52,8,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.breach',4,'promise',1,'2026-11-24 06:10:00.000',0,'2026-11-24 06:10:00.000',NULL,NULL,'2026-11-24 06:03:00.000',NULL,NULL,'20261124-0004/breach/r-shang/0');
INSERT INTO outbox VALUES(53,8,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.remind',0,'resolve',2,'2026-11-25 06:03:00.000',0,'2026-11-25 06:03:00.000',NULL,NULL,'2026-11-24 07:00:00.000',NULL,NULL,'20261124-0004/remind/0/r-qian/0');
INSERT INTO outbox VALUES(54,8,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.remind',1,'resolve',2,'2026-11-25 08:03:00.000',0,'2026-11-25 08:03:00.000',NULL,NULL,'2026-11-24 07:00:00.000',NULL,NULL,'20261124-0004/remind/1/r-li/0');
INSERT INTO outbox VALUES(55,8,'r-qian',0,'wecom','wecom:cd08d34495ba3d65','report.remind',0,'resolve',2,'2026-11-25 08:00:00.000',0,'2026-11-25 08:00:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0004/remind1/0/r-qian/0');
INSERT INTO outbox VALUES(56,8,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.remind',1,'resolve',2,'2026-11-25 10:00:00.000',0,'2026-11-25 10:00:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0004/remind1/1/r-li/0');
INSERT INTO outbox VALUES(57,8,'d-city',0,'log','log','report.whistle',0,'whistle',1,'2026-11-24 08:05:00.000',0,'2026-11-24 08:05:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0004/whistle0/0/d-city/0');
INSERT INTO outbox VALUES(58,8,'d-city',0,'log','log','report.whistle',1,'whistle',1,'2026-11-24 08:08:00.000',0,'2026-11-24 08:08:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0004/whistle0/1/d-city/0');
INSERT INTO outbox VALUES(59,8,'r-li',0,'dingtalk','dingtalk:e03495ecd51e8f70','report.whistle',2,'whistle',1,'2026-11-24 08:11:00.000',0,'2026-11-24 08:11:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0004/whistle0/2/r-li/0');
INSERT INTO outbox VALUES(60,8,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.whistle',3,'whistle',1,'2026-11-24 08:14:00.000',0,'2026-11-24 08:14:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0004/whistle0/3/r-shang/0');
INSERT INTO outbox VALUES(61,8,'r-shang',0,'feishu','feishu:85836f6dae6bb0e6','report.breach',4,'whistle',1,'2026-11-24 08:15:00.000',0,'2026-11-24 08:15:00.000',NULL,NULL,NULL,NULL,NULL,'20261124-0004/whistle0/breach/r-shang/0');
CREATE TABLE job (
    name TEXT PRIMARY KEY,
    holder TEXT,
    lease_until DATETIME,
    done_at DATETIME
);
CREATE TABLE clock_step (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at DATETIME NOT NULL,
    seconds DOUBLE NOT NULL
);
CREATE TABLE catalogue_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO catalogue_version VALUES(1,22);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('outbox',61);
INSERT INTO sqlite_sequence VALUES('policy',1);
INSERT INTO sqlite_sequence VALUES('report',8);
INSERT INTO sqlite_sequence VALUES('event',27);
INSERT INTO sqlite_sequence VALUES('api_token',1);
CREATE INDEX duty_grid ON duty(grid_id);
CREATE INDEX report_created ON report(created_at);
CREATE INDEX report_point_category ON report(point_id, category, created_at);
CREATE INDEX report_status ON report(status);
CREATE INDEX event_report ON event(report_id, at);
CREATE INDEX event_point ON event(point_id, kind, at);
CREATE INDEX form_nonce_used ON form_nonce(used_at);
CREATE INDEX report_local_day ON report(local_day);
CREATE INDEX report_sla ON report(local_day, status, point_id, category, ack_by, promise_seconds, ack_seconds,
    resolve_seconds, rating, whistled_at, created_at);
CREATE INDEX report_late ON report(local_day, status, ack_seconds, promise_seconds, created_at, point_id, number)
    WHERE ack_seconds IS NULL OR ack_seconds > promise_seconds;
CREATE INDEX report_whistled ON report(local_day, status, whistled_to, whistled_at, reported_in_at)
    WHERE whistled_at IS NOT NULL;
CREATE INDEX report_breach_due ON report(promise_due_at) WHERE status = 'open' AND breached_at IS NULL;
CREATE INDEX report_untaken ON report(created_at) WHERE status = 'open' AND breached_at IS NOT NULL;
CREATE INDEX outbox_due ON outbox(priority, next_try_at)
    WHERE delivered_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_report ON outbox(report_id);
CREATE TRIGGER policy_insert_bumps_catalogue AFTER INSERT ON policy
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER policy_update_bumps_catalogue AFTER UPDATE ON policy
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER policy_delete_bumps_catalogue AFTER DELETE ON policy
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER community_insert_bumps_catalogue AFTER INSERT ON community
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER community_update_bumps_catalogue AFTER UPDATE ON community
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER community_delete_bumps_catalogue AFTER DELETE ON community
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER responder_insert_bumps_catalogue AFTER INSERT ON responder
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER responder_update_bumps_catalogue AFTER UPDATE ON responder
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER responder_delete_bumps_catalogue AFTER DELETE ON responder
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER grid_insert_bumps_catalogue AFTER INSERT ON grid
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER grid_update_bumps_catalogue AFTER UPDATE ON grid
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER grid_delete_bumps_catalogue AFTER DELETE ON grid
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER duty_insert_bumps_catalogue AFTER INSERT ON duty
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER duty_update_bumps_catalogue AFTER UPDATE ON duty
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER duty_delete_bumps_catalogue AFTER DELETE ON duty
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER point_insert_bumps_catalogue AFTER INSERT ON point
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER point_update_bumps_catalogue AFTER UPDATE ON point
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER point_delete_bumps_catalogue AFTER DELETE ON point
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER retired_code_insert_bumps_catalogue AFTER INSERT ON retired_code
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER retired_code_update_bumps_catalogue AFTER UPDATE ON retired_code
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER retired_code_delete_bumps_catalogue AFTER DELETE ON retired_code
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
COMMIT;
