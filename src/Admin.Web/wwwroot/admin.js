// Remembers the admin's light/dark choice for the server's first paint (see ThemeCookie.cs).
window.mailflowTheme = {
    remember: function (value) {
        document.cookie = "mailflow-theme=" + encodeURIComponent(value) + "; path=/; max-age=31536000; samesite=lax";
    }
};

// The admin's time zone (IANA id, e.g. "Europe/Berlin") for AdminClock: times are shown in it, with the zone.
window.mailflowTime = {
    zone: function () {
        try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
    }
};
