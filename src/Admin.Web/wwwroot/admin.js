// Remembers the admin's light/dark choice for the server's first paint (see ThemeCookie.cs).
window.mailflowTheme = {
    remember: function (value) {
        document.cookie = "mailflow-theme=" + encodeURIComponent(value) + "; path=/; max-age=31536000; samesite=lax";
    }
};

// Keyboard shortcuts (KeyboardShortcuts.cs): "/" puts the caret in the page's search box, "?" opens the help.
// Keys typed into a field are the field's; Escape leaves a search box.
window.mailflowShortcuts = {
    help: null,
    register: function (dotNetHelp) { this.help = dotNetHelp; },
    unregister: function () { this.help = null; }
};
document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var target = e.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) {
        if (e.key === "Escape" && target.closest("[data-mf-search]")) target.blur();
        return;
    }
    if (e.key === "/") {
        var box = document.querySelector("input[data-mf-search], [data-mf-search] input");
        if (box) {
            e.preventDefault();
            box.focus();
            box.select();
        }
    } else if (e.key === "?" && window.mailflowShortcuts.help) {
        e.preventDefault();
        window.mailflowShortcuts.help.invokeMethodAsync("OpenHelp");
    }
});
// The admin's time zone (IANA id, e.g. "Europe/Berlin") for AdminClock: times are shown in it, with the zone.
window.mailflowTime = {
    zone: function () {
        try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
    }
};
