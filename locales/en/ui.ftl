# Every string the widget shows outside a notification's own message.

bell-label = { $count ->
    [0] Notifications
    [one] Notifications, { $count } unread
   *[other] Notifications, { $count } unread
}
panel-title = Notifications
tab-general = General
tab-inbox = Inbox
tab-approval = Approval
tab-unread = { $count ->
    [one] { $count } unread
   *[other] { $count } unread
}
category-label = Category
category-all = All
category-reminder = Reminder
category-mention = Mention
category-assignment = Assignment
category-update = Update
category-download_upload = Download & upload
category-resolved = Resolved
category-contact = Contact
category-deal = Deals
category-expense = Expenses
unread-only = Show unread only
mark-all-read = Mark all as read
close = Close
mark-read = Mark as read
section-today = Today
section-older = Older
loading = Loading notifications…
loading-more = Loading more…
empty-title = You're all caught up
empty-body = New notifications will appear here.
error-title = Couldn't load notifications
retry = Try again
offline = You're offline. The bell reconnects by itself.
actor-system = Automatic
popups-enable = Turn on browser notifications
popups-blocked = Browser notifications are blocked. To get them, allow notifications for this site in your browser’s site settings.
popups-sound = Notification sound
time-now = now
time-minutes = { $n }m
time-hours = { $n }h
time-days = { $n }d
# An approval request decided from the bell (API.md §6).
approve = Approve
reject = Reject
reject-note = Note (optional)
cancel = Cancel
approval-decided = { $state ->
    [approved] Approved by { $name } · { $when }
   *[rejected] Rejected by { $name } · { $when }
}
approval-waiting = Offline: your decision is sent when you're back online.
approval-failed = Couldn't send your decision. Try again.

# Notification settings (API.md §7): per tab, a row per category with a
# switch per channel, each named "<Category> — <Channel>"; quiet hours.
settings = Notification settings
back = Back
channel-bell = In app
channel-browser = Browser
channel-push = Mobile
prefs-chat = Chat
prefs-incoming = Incoming messages
prefs-error = Your change was not saved. Try again.
quiet-hours = Quiet hours
quiet-from = From
quiet-to = To
quiet-days = Days
quiet-zone = Time zone:
day-mon = Mon
day-tue = Tue
day-wed = Wed
day-thu = Thu
day-fri = Fri
day-sat = Sat
day-sun = Sun
