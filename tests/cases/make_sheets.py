#!/usr/bin/env python3
"""Writes the spreadsheet-made cases of tests/cases (run from this directory): the same two rows
as spreadsheet programs save them. Excel's "Unicode text" is UTF-16LE with a byte-order mark
and CRLF; Excel on Chinese Windows saves "CSV" in GBK (GB18030 is its superset); Excel in
European locales separates with ';' and adds a BOM to "CSV UTF-8"; "Text (tab delimited)"
uses tabs; a paste from a web page leaves no-break spaces; number formats show 10.0; formatted
but empty rows come out as rows of commas. The expected outputs (NAME.expected,
NAME.dryrun.jsonl) are checked in beside them; tests/e2e/cases.sh runs them all."""
hdr="regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,enableInternet,lineType,bandwidth,name,password,count,description,charge.chargeMode,charge.chargeUnit,charge.chargeDuration"
rows=[
 "cn-north-1,cn-north-1a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1,r-data-raid10,basic,yes,bgp,10,web-01,Sheet#Passw0rd,2,网站前端,prepaid_by_duration,month,3",
 "cn-north-1,cn-north-1b,cps.s.normal,standard,ubuntu-22.04-x64,r-sys-raid1,r-data-raid5,basic,no,,,db-01,Sheet#Passw0rd,1,数据库,prepaid_by_duration,year,1",
]
def w(name, text, enc="utf-8", bom=b"", crlf=False):
    if crlf: text=text.replace("\n","\r\n")
    open(name,"wb").write(bom+text.encode(enc))
base=hdr+"\n"+"\n".join(rows)+"\n"
w("good/utf16le.csv", base, "utf-16-le", b"\xff\xfe", crlf=True)
w("good/gbk.csv", base, "gb18030")
open("good/gbk.args","w").write("--encoding gb18030\n")
w("good/semicolon.csv", base.replace(",",";"), bom=b"\xef\xbb\xbf", crlf=True)
w("good/tab.csv", base.replace(",","\t"))
sp=base.replace("cn-north-1,cn-north-1a","\u00a0cn-north-1\u00a0,\u3000cn-north-1a\u200b",1).replace(",web-01,",",\u202fweb-01\u2007,",1).replace(",10,",",\ufeff10 ,",1)
w("good/unicode-spaces.csv", sp)
sc=base.replace(",basic,yes,bgp,10,",",BASIC,Yes,BGP,10.0,",1).replace("prepaid_by_duration,month,3","Prepaid_By_Duration,Month,3.00",1).replace(",1,数据库",",1.0,数据库",1)
w("good/spellings.csv", sc)
er=hdr+"\n"+rows[0]+"\n"+","*17+"\n"+" , ,\u00a0"+","*15+"\n"+rows[1]+"\n"+","*17+"\n"+","*17+"\n"
w("good/empty-rows.csv", er)
w("bad/gbk.csv", base, "gb18030")
w("bad/nbsp-in-region.csv", base.replace("cn-north-1,cn-north-1a","cn-north\u00a01,cn-north-1a",1))
w("bad/region-80.csv", base.replace("cn-north-1,cn-north-1a","cn-north-1"+"x"*70+",cn-north-1a",1))
w("bad/region-nonascii.csv", base.replace("cn-north-1,cn-north-1a","cn-nörth-1,cn-north-1a",1))
w("bad/half-integers.csv", base.replace(",basic,yes,bgp,10,",",basic,yes,bgp,10.5,",1).replace(",Sheet#Passw0rd,2,",",Sheet#Passw0rd,2.5,",1))
w("bad/semicolon-forced-comma.csv", base.replace(",",";"))
open("bad/semicolon-forced-comma.args","w").write("--delimiter ,\n")
