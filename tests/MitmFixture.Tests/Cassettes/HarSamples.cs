namespace MitmFixture.Tests.Cassettes;

/// <summary>
/// HAR files in the shapes each tool writes, cut down to a few entries. No real export could be
/// downloaded here, so each is rebuilt from where its shape was seen (named per sample); the
/// quirks each one carries are the point, the hosts and bodies are ours. Every sample has an
/// entry for <c>https://TOOL.example/</c> that answers 200 with <c>Body</c>, used by the round trip.
/// </summary>
public static class HarSamples
{
    public sealed record Sample(string Tool, string Har, string Url, string Body, int Entries, int WithoutResponse = 0, bool ByteOrderMark = false);

    /// <summary>
    /// Chrome / Edge DevTools "Save all as HAR with content" (HARBuilder): lowercase HTTP/2 headers
    /// with pseudo-headers, "http/2.0" and "h3", _initiator objects, _transferSize, serverIPAddress in
    /// brackets, status 0 with response._error, a WebSocket entry with _webSocketMessages (opcode 1,
    /// 2 and a close frame, 8). Shape as in mitmproxy's test/mitmproxy/data/har_files/chrome.har.
    /// </summary>
    public static readonly Sample Chrome = new("chrome", """
        {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
          "pages": [{"startedDateTime": "2026-11-20T10:00:00.000Z", "id": "page_1", "title": "https://chrome.example/", "pageTimings": {"onContentLoad": 120.5, "onLoad": 300.1}}],
          "entries": [
            {"_initiator": {"type": "other"}, "_priority": "VeryHigh", "_resourceType": "document", "cache": {}, "connection": "38211", "pageref": "page_1",
             "request": {"method": "GET", "url": "https://chrome.example/", "httpVersion": "http/2.0",
               "headers": [{"name": ":authority", "value": "chrome.example"}, {"name": ":method", "value": "GET"}, {"name": ":path", "value": "/"}, {"name": ":scheme", "value": "https"}, {"name": "accept", "value": "text/html"}],
               "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0",
               "headers": [{"name": "content-type", "value": "text/html; charset=utf-8"}, {"name": "content-encoding", "value": "gzip"}, {"name": "content-length", "value": "4"}],
               "cookies": [], "content": {"size": 22, "mimeType": "text/html", "compression": -18, "text": "<p>chrome page</p>\n..."},
               "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 310, "_error": null, "_fetchedViaServiceWorker": false},
             "serverIPAddress": "[2001:db8::1]", "startedDateTime": "2026-11-20T10:00:00.010Z", "time": 55.2,
             "timings": {"blocked": 2.1, "dns": -1, "ssl": -1, "connect": -1, "send": 0.3, "wait": 50.0, "receive": 2.8, "_blocked_queueing": 1.2}},
            {"_resourceType": "fetch", "cache": {}, "request": {"method": "GET", "url": "https://down.chrome.example/api", "httpVersion": "",
               "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": 0, "statusText": "", "httpVersion": "", "headers": [], "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"},
               "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 0, "_error": "net::ERR_CONNECTION_REFUSED"},
             "serverIPAddress": "", "startedDateTime": "2026-11-20T10:00:01.000Z", "time": 3.1,
             "timings": {"blocked": 3.1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 0, "receive": 0}},
            {"_resourceType": "websocket", "cache": {}, "request": {"method": "GET", "url": "wss://chrome.example/socket", "httpVersion": "HTTP/1.1",
               "headers": [{"name": "Upgrade", "value": "websocket"}, {"name": "Connection", "value": "Upgrade"}, {"name": "Sec-WebSocket-Version", "value": "13"}, {"name": "Sec-WebSocket-Key", "value": "dGhlIHNhbXBsZSBub25jZQ=="}],
               "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1",
               "headers": [{"name": "Upgrade", "value": "websocket"}, {"name": "Connection", "value": "Upgrade"}, {"name": "Sec-WebSocket-Accept", "value": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}],
               "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1, "bodySize": 0, "_transferSize": 0, "_error": null},
             "serverIPAddress": "203.0.113.7", "startedDateTime": "2026-11-20T10:00:02.000Z", "time": 12,
             "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 12, "receive": 0},
             "_webSocketMessages": [
               {"type": "send", "time": 1794909602.5, "opcode": 1, "data": "hello"},
               {"type": "receive", "time": 1794909602.6, "opcode": 2, "data": "AQID"},
               {"type": "receive", "time": 1794909602.7, "opcode": 8, "data": ""}]}
          ]}}
        """, "https://chrome.example/", "<p>chrome page</p>\n...", 3, WithoutResponse: 1);

    /// <summary>
    /// Edge is Chromium DevTools: the same builder, here with an HTTP/3 ("h3") entry and a JSON POST.
    /// </summary>
    public static readonly Sample Edge = new("edge", """
        {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": [],
          "entries": [
            {"_priority": "High", "_resourceType": "document", "cache": {}, "connection": "0",
             "request": {"method": "GET", "url": "https://edge.example/", "httpVersion": "h3",
               "headers": [{"name": ":authority", "value": "edge.example"}, {"name": ":path", "value": "/"}, {"name": "accept-encoding", "value": "gzip, deflate, br, zstd"}],
               "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": 200, "statusText": "", "httpVersion": "h3",
               "headers": [{"name": "content-type", "value": "text/plain"}, {"name": "alt-svc", "value": "h3=\":443\"; ma=86400"}],
               "cookies": [], "content": {"size": 11, "mimeType": "text/plain", "text": "edge over 3"},
               "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 90, "_error": null},
             "serverIPAddress": "198.51.100.2", "startedDateTime": "2026-11-20T11:00:00.000Z", "time": 20.5,
             "timings": {"blocked": 0.4, "dns": 1, "ssl": 4, "connect": 8, "send": 0.1, "wait": 10, "receive": 1}},
            {"_resourceType": "fetch", "cache": {},
             "request": {"method": "POST", "url": "https://edge.example/api/items", "httpVersion": "http/2.0",
               "headers": [{"name": ":method", "value": "POST"}, {"name": "content-type", "value": "application/json"}],
               "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 9,
               "postData": {"mimeType": "application/json", "text": "{\"a\": 1}\n"}},
             "response": {"status": 201, "statusText": "", "httpVersion": "http/2.0", "headers": [{"name": "content-type", "value": "application/json"}],
               "cookies": [], "content": {"size": 8, "mimeType": "application/json", "text": "{\"id\":7}"},
               "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 60, "_error": null},
             "serverIPAddress": "198.51.100.2", "startedDateTime": "2026-11-20T11:00:01.000Z", "time": 9,
             "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 9, "receive": 0}}
          ]}}
        """, "https://edge.example/", "edge over 3", 2);

    /// <summary>
    /// Firefox network monitor "Save All As HAR": cache.afterRequest as an object (beforeRequest null),
    /// "headersSize": null and "bodySize": null on cached entries, "HTTP/2" and "HTTP/3", postData with
    /// params beside text, cookies with expires null, status 0 for a blocked request, _securityState.
    /// The shape mitmproxy's firefox.json test data was made from.
    /// </summary>
    public static readonly Sample Firefox = new("firefox", """
        {"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "133.0"}, "browser": {"name": "Firefox", "version": "133.0"},
          "pages": [{"startedDateTime": "2026-11-20T12:00:00.000+01:00", "id": "page_1", "title": "Firefox", "pageTimings": {"onContentLoad": 80, "onLoad": -1}}],
          "entries": [
            {"pageref": "page_1", "startedDateTime": "2026-11-20T12:00:00.100+01:00",
             "request": {"bodySize": 0, "method": "GET", "url": "https://firefox.example/", "httpVersion": "HTTP/2",
               "headers": [{"name": "Host", "value": "firefox.example"}, {"name": "Accept", "value": "text/html"}],
               "cookies": [{"name": "sid", "value": "abc"}], "queryString": [], "headersSize": 312},
             "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
               "headers": [{"name": "content-type", "value": "text/html"}, {"name": "set-cookie", "value": "sid=abc; Path=/"}],
               "cookies": [{"name": "sid", "value": "abc", "path": "/", "expires": null, "httpOnly": false, "secure": false}],
               "content": {"mimeType": "text/html", "size": 14, "text": "firefox page\r\n"},
               "redirectURL": "", "headersSize": 140, "bodySize": 154},
             "cache": {"afterRequest": {"expires": "2026-11-21T11:00:00.000Z", "lastAccess": "2026-11-20T11:00:00.000Z", "eTag": "", "hitCount": 1}},
             "timings": {"blocked": 0, "dns": 0, "connect": 0, "ssl": 0, "send": 0, "wait": 31, "receive": 0},
             "time": 31, "_securityState": "secure", "serverIPAddress": "2001:db8::2", "connection": "443"},
            {"pageref": "page_1", "startedDateTime": "2026-11-20T12:00:00.200+01:00",
             "request": {"bodySize": null, "method": "GET", "url": "https://firefox.example/style.css", "httpVersion": "HTTP/3",
               "headers": [], "cookies": [], "queryString": [], "headersSize": null},
             "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/3", "headers": [{"name": "content-type", "value": "text/css"}],
               "cookies": [], "content": {"mimeType": "text/css", "size": 11, "text": "p{color:0}\n"},
               "redirectURL": "", "headersSize": null, "bodySize": null},
             "cache": {"beforeRequest": null, "afterRequest": {"expires": "1970-01-01T00:00:00.000Z", "lastFetched": "2026-11-20T11:00:00.000Z", "eTag": "", "hitCount": 3}},
             "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": 0, "receive": 0}, "time": 0},
            {"pageref": "page_1", "startedDateTime": "2026-11-20T12:00:00.300+01:00",
             "request": {"bodySize": 11, "method": "POST", "url": "https://firefox.example/login", "httpVersion": "HTTP/2",
               "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}], "cookies": [], "queryString": [], "headersSize": 200,
               "postData": {"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "user", "value": "a b"}], "text": "user=a+b&x=1"}},
             "response": {"status": 302, "statusText": "Found", "httpVersion": "HTTP/2", "headers": [{"name": "location", "value": "/home"}],
               "cookies": [], "content": {"mimeType": "text/plain", "size": 0, "text": ""}, "redirectURL": "/home", "headersSize": 50, "bodySize": 50},
             "cache": {}, "timings": {"blocked": 0, "dns": 0, "connect": 0, "ssl": 0, "send": 0, "wait": 5, "receive": 0}, "time": 5},
            {"pageref": "page_1", "startedDateTime": "2026-11-20T12:00:00.400+01:00",
             "request": {"bodySize": 0, "method": "GET", "url": "https://tracker.example/pixel.gif", "httpVersion": "HTTP/2", "headers": [], "cookies": [], "queryString": [], "headersSize": 0},
             "response": {"status": 0, "statusText": "", "httpVersion": "", "headers": [], "cookies": [], "content": {"mimeType": "", "size": 0}, "redirectURL": "", "headersSize": -1, "bodySize": -1, "_blockedReason": "tracking"},
             "cache": {}, "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": -1, "wait": -1, "receive": -1}, "time": 0}
          ]}}
        """, "https://firefox.example/", "firefox page\r\n", 4, WithoutResponse: 1);

    /// <summary>
    /// Safari Web Inspector "Export HAR": _fetchType, _priority, an empty httpVersion and "bodySize": -1
    /// on a memory-cache hit. Shape as in mitmproxy's safari.json test data.
    /// </summary>
    public static readonly Sample Safari = new("safari", """
        {"log": {"version": "1.2", "creator": {"name": "WebKit Web Inspector", "version": "18.0"},
          "pages": [{"startedDateTime": "2026-11-20T13:00:00.000Z", "id": "page_0", "title": "https://safari.example/", "pageTimings": {"onContentLoad": 100, "onLoad": 150}}],
          "entries": [
            {"pageref": "page_0", "startedDateTime": "2026-11-20T13:00:00.000Z", "time": 40,
             "request": {"method": "GET", "url": "https://safari.example/", "httpVersion": "HTTP/2",
               "cookies": [], "headers": [{"name": "Accept", "value": "text/html"}, {"name": "User-Agent", "value": "Safari"}], "queryString": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": 200, "statusText": "", "httpVersion": "HTTP/2", "cookies": [],
               "headers": [{"name": "Content-Type", "value": "text/html"}, {"name": "Content-Encoding", "value": "br"}],
               "content": {"size": 11, "compression": 0, "mimeType": "text/html", "text": "safari page"}, "redirectURL": "", "headersSize": -1, "bodySize": 40},
             "cache": {}, "timings": {"blocked": 0.5, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": 38, "receive": 1.5},
             "serverIPAddress": "192.0.2.5", "_serverPort": 443, "connection": "1", "_fetchType": "Network Load", "_priority": "high"},
            {"pageref": "page_0", "startedDateTime": "2026-11-20T13:00:00.050Z", "time": 0,
             "request": {"method": "GET", "url": "https://safari.example/logo.png", "httpVersion": "",
               "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": -1},
             "response": {"status": 200, "statusText": "", "httpVersion": "", "cookies": [], "headers": [{"name": "Content-Type", "value": "image/png"}],
               "content": {"size": 8, "compression": 0, "mimeType": "image/png", "text": "iVBORw0KGgo=", "encoding": "base64"}, "redirectURL": "", "headersSize": -1, "bodySize": -1},
             "cache": {}, "timings": {"blocked": 0, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": 0, "receive": 0},
             "_fetchType": "Memory Cache", "_priority": "low"}
          ]}}
        """, "https://safari.example/", "safari page", 2);

    /// <summary>
    /// Charles Proxy 4 "Export Session, HTTP Archive": _charlesStatus, real headersSize, a query parameter
    /// with an empty name, base64 binary content, "-1" timings, a FAILED entry. Shape of mitmproxy's
    /// test/mitmproxy/data/har_files/charles.har.
    /// </summary>
    public static readonly Sample Charles = new("charles", """
        {
            "log": {
                "version": "1.2",
                "creator": {"name": "Charles Proxy", "version": "4.6.3"},
                "entries": [
                    {
                        "startedDateTime": "2026-11-20T17:37:42.482-07:00",
                        "time": 107,
                        "request": {"method": "GET", "url": "https://charles.example/?=", "httpVersion": "HTTP/1.1", "cookies": [],
                            "headers": [{"name": "Host", "value": "charles.example"}, {"name": "User-Agent", "value": "Charles/4.6.3"}],
                            "queryString": [{"name": "", "value": ""}], "headersSize": 68, "bodySize": 0},
                        "response": {"_charlesStatus": "COMPLETE", "status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                            "headers": [{"name": "Content-Type", "value": "text/html"}, {"name": "Content-Length", "value": "23866"}, {"name": "Connection", "value": "keep-alive"}],
                            "content": {"size": 13, "mimeType": "text/html", "text": "<p>charles<\/p>"},
                            "redirectURL": null, "headersSize": 431, "bodySize": 13},
                        "serverIPAddress": "192.0.2.80",
                        "cache": {},
                        "timings": {"dns": -1, "connect": -1, "ssl": -1, "send": 1, "wait": 105, "receive": 1}
                    },
                    {
                        "startedDateTime": "2026-11-20T17:37:43.000-07:00",
                        "time": 20,
                        "request": {"method": "GET", "url": "https://charles.example/favicon.ico", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [], "queryString": [], "headersSize": 40, "bodySize": 0},
                        "response": {"_charlesStatus": "COMPLETE", "status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                            "headers": [{"name": "Content-Type", "value": "image/x-icon"}],
                            "content": {"size": 4, "mimeType": "image/x-icon", "text": "AAABAA==", "encoding": "base64"},
                            "redirectURL": null, "headersSize": 40, "bodySize": 4},
                        "serverIPAddress": "192.0.2.80", "cache": {},
                        "timings": {"dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": 19, "receive": 1}
                    }
                ]
            }
        }
        """, "https://charles.example/?=", "<p>charles</p>", 2);

    /// <summary>
    /// Fiddler Everywhere / Classic HTTPArchive v1.1 export: a UTF-8 byte-order mark, "version": "1.1",
    /// properties in any order, content.compression 0, timings without ssl, seven fractional digits
    /// and an offset in startedDateTime. Shape of mitmproxy's test/mitmproxy/data/har_files/with-bom.har.
    /// </summary>
    public static readonly Sample Fiddler = new("fiddler", """
        {"log":{"pages":[], "entries":[{"time":1551, "request":{"headersSize":86, "postData":{"text":"", "mimeType":""}, "queryString":[], "headers":[{"name":"User-Agent", "value":"Fiddler"}, {"name":"Host", "value":"fiddler.example"}], "bodySize":0, "url":"https://fiddler.example/", "cookies":[], "method":"GET", "httpVersion":"HTTP/1.1"}, "timings":{"blocked":-1, "receive":1, "wait":243, "dns":51, "send":1, "connect":1255}, "response":{"headersSize":360, "bodySize":12, "statusText":"OK", "redirectURL":"", "status":200, "httpVersion":"HTTP/1.1", "cookies":[], "content":{"compression":0, "text":"fiddler page", "size":12, "mimeType":"text/html; charset=UTF-8"}, "headers":[{"name":"Content-Type", "value":"text/html; charset=UTF-8"}, {"name":"Content-Length", "value":"12"}]}, "startedDateTime":"2026-11-20T22:27:16.7857747+03:00", "cache":{}}], "creator":{"version":"5.0.20243.10853", "name":"Fiddler"}, "version":"1.1"}}
        """, "https://fiddler.example/", "fiddler page", 1, ByteOrderMark: true);

    /// <summary>
    /// Insomnia "Export HAR": empty postData with params, bodySize -1, settingEncodeUrl, a comment, and
    /// a form request with params only. Shape of mitmproxy's test/mitmproxy/data/har_files/insomnia.har.
    /// </summary>
    public static readonly Sample Insomnia = new("insomnia", """
        {
        	"log": {
        		"version": "1.2",
        		"creator": {"name": "Insomnia REST Client", "version": "insomnia.desktop.app:v2022.1.1"},
        		"entries": [
        			{
        				"startedDateTime": "2026-11-20T04:39:18.981Z", "time": 70.402,
        				"request": {"method": "GET", "url": "https://insomnia.example/", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [], "queryString": [],
        					"postData": {"mimeType": "", "text": "", "params": []}, "headersSize": -1, "bodySize": -1, "settingEncodeUrl": true},
        				"response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
        					"headers": [{"name": "Content-Type", "value": "text/html"}, {"name": "Content-Length", "value": "13"}],
        					"content": {"size": 13, "mimeType": "text/html", "text": "insomnia page"}, "redirectURL": "", "headersSize": -1, "bodySize": -1},
        				"cache": {},
        				"timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 0, "wait": 70.402, "receive": 0, "ssl": -1},
        				"comment": "Get page"
        			},
        			{
        				"startedDateTime": "2026-11-20T04:39:20.000Z", "time": 12,
        				"request": {"method": "POST", "url": "https://insomnia.example/form", "httpVersion": "HTTP/1.1", "cookies": [],
        					"headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}], "queryString": [],
        					"postData": {"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "q", "value": "a&b"}, {"name": "n", "value": "1"}]},
        					"headersSize": -1, "bodySize": -1, "settingEncodeUrl": true},
        				"response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [],
        					"content": {"size": 2, "mimeType": "text/plain", "text": "ok"}, "redirectURL": "", "headersSize": -1, "bodySize": -1},
        				"cache": {}, "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 0, "wait": 12, "receive": 0, "ssl": -1},
        				"comment": "Post form"
        			}
        		]
        	}
        }
        """, "https://insomnia.example/", "insomnia page", 2);

    /// <summary>
    /// Playwright <c>recordHar</c> (har.ts): _monotonicTime, _frameref, _serverPort, _securityDetails,
    /// _transferSize, base64 binary content, a request that failed (status -1 with _failureText), and
    /// an entry whose content was left out (content "_file" instead of "text", omit mode).
    /// </summary>
    public static readonly Sample Playwright = new("playwright", """
        {"log": {"version": "1.2", "creator": {"name": "Playwright", "version": "1.49.0"}, "browser": {"name": "chromium", "version": "131.0"},
          "pages": [{"startedDateTime": "2026-11-20T14:00:00.000Z", "id": "page@1", "title": "Playwright", "pageTimings": {"onContentLoad": -1, "onLoad": -1}}],
          "entries": [
            {"startedDateTime": "2026-11-20T14:00:00.100Z", "time": 25.4, "pageref": "page@1", "_frameref": "frame@2", "_monotonicTime": 1000.5,
             "request": {"method": "GET", "url": "https://playwright.example/", "httpVersion": "HTTP/1.1", "cookies": [],
               "headers": [{"name": "Accept", "value": "*/*"}], "queryString": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
               "headers": [{"name": "Content-Type", "value": "text/plain"}],
               "content": {"size": 15, "mimeType": "text/plain", "compression": 0, "text": "cGxheXdyaWdodCBwYWdl", "encoding": "base64"},
               "headersSize": -1, "bodySize": 15, "redirectURL": "", "_transferSize": 120},
             "cache": {}, "timings": {"dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": 24, "receive": 1.4},
             "serverIPAddress": "127.0.0.1", "_serverPort": 443,
             "_securityDetails": {"protocol": "TLS 1.3", "subjectName": "playwright.example", "issuer": "Test CA", "validFrom": 1700000000, "validTo": 1900000000}},
            {"startedDateTime": "2026-11-20T14:00:00.200Z", "time": -1, "pageref": "page@1", "_monotonicTime": 1000.7,
             "request": {"method": "GET", "url": "https://gone.playwright.example/", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": -1, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [],
               "content": {"size": -1, "mimeType": "x-unknown"}, "headersSize": -1, "bodySize": -1, "redirectURL": "", "_failureText": "net::ERR_NAME_NOT_RESOLVED"},
             "cache": {}, "timings": {"send": -1, "wait": -1, "receive": -1}},
            {"startedDateTime": "2026-11-20T14:00:00.300Z", "time": 5, "pageref": "page@1",
             "request": {"method": "GET", "url": "https://playwright.example/big.bin", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [{"name": "Content-Type", "value": "application/octet-stream"}],
               "content": {"size": 1048576, "mimeType": "application/octet-stream", "_file": "6b86b273ff34fce19d6b804eff5a3f5747ada4ea.bin"},
               "headersSize": -1, "bodySize": 1048576, "redirectURL": ""},
             "cache": {}, "timings": {"send": 0, "wait": 4, "receive": 1}}
          ]}}
        """, "https://playwright.example/", "playwright page", 3, WithoutResponse: 1);

    /// <summary>
    /// mitmproxy's savehar addon (mitmproxy 10+): serverIPAddress and connect/ssl timings from the
    /// connection, "_webSocketMessages" in Chrome's shape, base64 for binary bodies, status 0 with
    /// response "_error" for flows that failed (savehar.py).
    /// </summary>
    public static readonly Sample Mitmproxy = new("mitmproxy", """
        {"log": {"version": "1.2", "creator": {"name": "mitmproxy", "version": "11.0.0", "comment": ""}, "pages": [],
          "entries": [
            {"startedDateTime": "2026-11-20T15:00:00.000000+00:00", "time": 30.5,
             "request": {"method": "GET", "url": "https://mitmproxy.example/", "httpVersion": "HTTP/1.1", "cookies": [],
               "headers": [{"name": "Host", "value": "mitmproxy.example"}, {"name": "Accept", "value": "*/*"}], "queryString": [], "headersSize": 60, "bodySize": 0},
             "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
               "headers": [{"name": "Content-Type", "value": "text/plain"}, {"name": "Content-Length", "value": "14"}],
               "content": {"size": 14, "compression": 0, "mimeType": "text/plain", "text": "mitmproxy page"}, "redirectURL": "", "headersSize": 70, "bodySize": 14},
             "cache": {}, "timings": {"connect": 1.2, "ssl": 3.4, "send": 0.1, "receive": 0.4, "wait": 25.4},
             "serverIPAddress": "192.0.2.9"},
            {"startedDateTime": "2026-11-20T15:00:01.000000+00:00", "time": 0,
             "request": {"method": "GET", "url": "https://mitmproxy.example/fail", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [], "queryString": [], "headersSize": 30, "bodySize": 0},
             "response": {"status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [], "content": {"size": 0, "compression": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1, "_error": "Connection killed."},
             "cache": {}, "timings": {"connect": -1, "ssl": -1, "send": 0, "receive": 0, "wait": 0}, "serverIPAddress": ""}
          ]}}
        """, "https://mitmproxy.example/", "mitmproxy page", 2, WithoutResponse: 1);

    public static IEnumerable<TheoryDataRow<string>> Tools() =>
        All.Select(s => new TheoryDataRow<string>(s.Tool));

    public static readonly IReadOnlyList<Sample> All = [Chrome, Edge, Firefox, Safari, Charles, Fiddler, Insomnia, Playwright, Mitmproxy];

    public static Sample Named(string tool) => All.Single(s => s.Tool == tool);

    /// <summary>Writes the sample as the tool does: UTF-8, with a byte-order mark where the tool writes one.</summary>
    public static string Write(Sample sample, string directory)
    {
        var path = Path.Combine(directory, sample.Tool + ".har");
        File.WriteAllText(path, sample.Har, new System.Text.UTF8Encoding(sample.ByteOrderMark));
        return path;
    }
}
