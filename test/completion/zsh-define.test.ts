import { describe, expect, it } from 'vitest';
import { DEFINE_MARKER } from '../../src/completion/bash-define.js';
import { addZshDefineCompletion } from '../../src/completion/zsh-define.js';

const WORDS = [
  { key: 'transport', values: ['ssh', 'local'], meaning: "it's `local` or ssh" },
  { key: 'stage_dir', values: [], meaning: 'source root' },
];

/** The form @oclif/plugin-autocomplete 3.x writes for a repeatable flag with a char. */
const PLUGIN_SCRIPT = [
  '#compdef deploy',
  '_deploy() {',
  '"*"{-D,--define}"[Override one config key (key:value).]:file:_files" \\',
  '"(-c --config)"{-c,--config}"[Config file.]:file:_files" \\',
  '}',
  '',
].join('\n');

describe('addZshDefineCompletion', () => {
  it('makes -D call the generated function, and leaves other flags alone', () => {
    // Given the plugin's script / When patched
    const patched = addZshDefineCompletion(PLUGIN_SCRIPT, 'deploy', WORDS) ?? '';
    // Then -D calls _deploy_define, defined right after #compdef; --config still completes files
    expect(patched).toContain('{-D,--define}"[Override one config key (key:value).]:config key:_deploy_define"');
    expect(patched).toContain('{-c,--config}"[Config file.]:file:_files"');
    expect(patched.split('\n')[0]).toBe('#compdef deploy');
    expect(patched.indexOf('_deploy_define() {')).toBeLessThan(patched.indexOf('_deploy() {'));
    expect(patched).toContain('transport) values=(ssh local) ;;');
    expect(patched).toContain(`'transport:it'"'"'s local or ssh'`);
    // And patching twice changes nothing
    expect(addZshDefineCompletion(patched, 'deploy', WORDS)).toBe(patched);
    expect(patched.split(DEFINE_MARKER).length).toBe(2);
  });

  it('gives up on a script in a form it does not know', () => {
    // Given a script whose -D spec is written another way / When patched / Then undefined (the caller warns)
    expect(addZshDefineCompletion(PLUGIN_SCRIPT.replace(':file:_files" \\\n"(-c', ':_files" \\\n"(-c'), 'deploy', WORDS)).toBeUndefined();
  });
});
