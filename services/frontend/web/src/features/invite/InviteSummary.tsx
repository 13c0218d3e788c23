import { difficultyName, languageName, topicName, useTopics } from '../questions/api'
import { friendRole, type Invite } from './api'

/** InviteSummary says what an invite is for: the question or topic, difficulty, language and mode. */
export function InviteSummary({ invite }: { invite: Invite }) {
  const topics = useTopics()
  const role = friendRole(invite)
  const inviterRole = role === 'candidate' ? 'interviewer' : 'candidate'
  return (
    <dl className="summary">
      <div>
        <dt>{invite.question ? 'Question' : 'Topic'}</dt>
        <dd>{invite.question ? invite.question.title : `Any question on ${topicName(topics.data, invite.topic)}`}</dd>
      </div>
      <div>
        <dt>Difficulty</dt>
        <dd>{invite.difficulty ? difficultyName(invite.difficulty) : 'Unknown'}</dd>
      </div>
      <div>
        <dt>Language</dt>
        <dd>{languageName(invite.language)}</dd>
      </div>
      <div>
        <dt>Mode</dt>
        <dd>
          {invite.mode === 'mock'
            ? invite.your_invite
              ? `Mock interview: you start as the ${inviterRole}`
              : `Mock interview: you start as the ${role}`
            : 'Practise together'}
        </dd>
      </div>
    </dl>
  )
}
