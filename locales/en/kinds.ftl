# One message per kind of protocol/src/kind.rs (id: the kind with "." as "-").
# Variables: the kind's arguments, plus $actor (the actor's name) and
# $actor_type ("user" or "system"). Numbers and dates arrive formatted by Intl.

reminder-due = Reminder: the { $entity_type ->
    [deal] deal
    [ticket] ticket
    [task] task
    [comment] comment
    [contact] contact
    [company] company
   *[other] record
} { $entity_name } is due { $due_at }
mention = { $actor } mentioned you in the { $entity_type ->
    [deal] deal
    [ticket] ticket
    [task] task
    [comment] comment
    [contact] contact
    [company] company
   *[other] record
} { $entity_name }
deal-assigned = { $actor_type ->
    [system] The deal { $deal_name } was automatically assigned to you
   *[user] { $actor } assigned you the deal { $deal_name }
}
ticket-assigned = { $actor_type ->
    [system] The ticket { $ticket_name } was automatically assigned to you
   *[user] { $actor } assigned you the ticket { $ticket_name }
}
task-assigned = { $actor_type ->
    [system] The task { $task_name } was automatically assigned to you
   *[user] { $actor } assigned you the task { $task_name }
}
task-checklist_assigned = { $actor_type ->
    [system] The checklist item { $item_name } in { $task_name } was automatically assigned to you
   *[user] { $actor } assigned you the checklist item { $item_name } in { $task_name }
}
ticket-status_changed = { $actor } moved the ticket { $ticket_name } to { $status }
task-status_changed = { $actor } moved the task { $task_name } to { $status }
automation-triggered = Automation { $rule_name } ran on the { $entity_type ->
    [deal] deal
    [ticket] ticket
    [task] task
    [comment] comment
    [contact] contact
    [company] company
   *[other] record
} { $entity_name }
export-completed = Your export { $file_name } is ready: { $rows ->
    [one] { $rows } row
   *[other] { $rows } rows
}
export-failed = Your export { $file_name } failed. Please try again.
import-completed = Import of { $file_name } finished: { $rows ->
    [one] { $rows } row
   *[other] { $rows } rows
} imported, { $failed_rows ->
    [0] none failed
    [one] { $failed_rows } failed
   *[other] { $failed_rows } failed
}
import-failed = Import of { $file_name } failed. Please check the file and try again.
conversation-assigned = { $actor_type ->
    [system] A { $channel ->
    [whatsapp] WhatsApp
    [instagram] Instagram
    [facebook] Facebook
    [telegram] Telegram
    [email] email
    [livechat] live chat
   *[other] { $channel }
} conversation with { $contact_name } was automatically assigned to you
   *[user] { $actor } assigned you a { $channel ->
    [whatsapp] WhatsApp
    [instagram] Instagram
    [facebook] Facebook
    [telegram] Telegram
    [email] email
    [livechat] live chat
   *[other] { $channel }
} conversation with { $contact_name }
}
conversation-resolved = { $actor } resolved the { $channel ->
    [whatsapp] WhatsApp
    [instagram] Instagram
    [facebook] Facebook
    [telegram] Telegram
    [email] email
    [livechat] live chat
   *[other] { $channel }
} conversation with { $contact_name }
contact-blocked = { $actor } blocked the contact { $contact_name }
contact-unblocked = { $actor } unblocked the contact { $contact_name }
approval-deal-requested = { $actor } asked you to approve the deal { $deal_name }
approval-deal-approved = { $actor } approved the deal { $deal_name }
approval-deal-rejected = { $actor } rejected the deal { $deal_name }
approval-expense-requested = { $actor } asked you to approve the expense { $expense_name } ({ $amount })
approval-expense-approved = { $actor } approved the expense { $expense_name } ({ $amount })
approval-expense-rejected = { $actor } rejected the expense { $expense_name } ({ $amount })
message-incoming = { $contact_name } via { $channel ->
    [whatsapp] WhatsApp
    [instagram] Instagram
    [facebook] Facebook
    [telegram] Telegram
    [email] email
    [livechat] live chat
   *[other] { $channel }
}: { $preview }
