; Inno Setup 6 script of the Windows installer of the desktop workstation. It wraps the
; one-folder build that packaging/reviewer-app.spec makes on Windows (reviewer-app.exe and
; reviewer-cli.exe in one folder), the same spec as the Linux .deb. Built on a Windows machine
; only (this project's machines are Debian): steps in packaging/README.md, "Windows".
;
;   iscc /DAppVersion=0.1.0 packaging\windows\reviewer-app.iss
;
; Silent deployment by IT, with the team's service preset for every user of the computer:
;   reviewer-app-0.1.0-setup.exe /VERYSILENT /SERVER=https://review.example.org

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z (reviewer_app.__version__)
#endif
#define AppName "Reviewer Workstation"
#define Frozen "..\..\build\desktop\dist\reviewer-app"

[Setup]
; one AppId for every version, so an upgrade replaces the previous install
AppId={{6F0C2B7E-3D51-4E8A-9B63-2A4C9E1F7D05}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Reviewer workstation team
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=reviewer-app-{#AppVersion}-setup
SetupIconFile=..\..\build\icons\reviewer-app.ico
UninstallDisplayIcon={app}\reviewer-app.exe
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
PrivilegesRequired=admin
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; the whole frozen folder: no service, no demo accounts, only the allowed Qt plugins (the spec)
Source: "{#Frozen}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\reviewer-app.exe"; Parameters: "{code:ServerArgument}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\reviewer-app.exe"; Parameters: "{code:ServerArgument}"; Tasks: desktopicon

[Code]
var
  ServerPage: TInputQueryWizardPage;

procedure InitializeWizard;
begin
  ServerPage := CreateInputQueryPage(wpSelectDir, 'Review service',
    'Which review service do the reviewers on this computer sign in to?',
    'The https:// address your team lead or IT gave you. Leave it empty to ask at each start.');
  ServerPage.Add('Service URL:', False);
  ServerPage.Values[0] := ExpandConstant('{param:SERVER|}');
end;

function ServerArgument(Param: String): String;
begin
  if Trim(ServerPage.Values[0]) = '' then
    Result := ''
  else
    Result := '--server "' + Trim(ServerPage.Values[0]) + '"';
end;

{ After installing: the workstation's own self-test (Qt platform, picture formats, multimedia,
  keyring, the service). A problem is reported, never fatal: the keyring and the service are
  per user and may not be reachable from the installing account. }
procedure CurStepChanged(CurStep: TSetupStep);
var
  ResultCode: Integer;
  Args: String;
begin
  if CurStep = ssPostInstall then
  begin
    Args := '--selftest';
    if Trim(ServerPage.Values[0]) <> '' then
      Args := Args + ' ' + ServerArgument('');
    if Exec(ExpandConstant('{app}\reviewer-app.exe'), Args, '', SW_HIDE,
            ewWaitUntilTerminated, ResultCode) and (ResultCode <> 0) then
      SuppressibleMsgBox('The workstation is installed, but its self-test reported a problem. '
        + 'Run "reviewer-cli" or "reviewer-app.exe --selftest" from a signed-in session to see it.',
        mbInformation, MB_OK, IDOK);
  end;
end;
